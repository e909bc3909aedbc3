import { MoveState } from '@roost/core';
import { MoveRun } from './move-run';
import { syncSieveAsOwner } from './sieve.step';
import { syncQuota } from './quota';
import { syncStructure } from './structure';

/** final-sync -> verifying: inside the freeze, the last delta: structure, Sieve, quota, messages. */
export async function finalSyncStep(run: MoveRun): Promise<void> {
  await run.sync.loadCheckpoints();
  const [lane] = await run.lanes(1);
  await syncStructure(lane.src, lane.dst, { apply: true, deleteExtra: true });
  // the quota first, while no ManageSieve session is open (see MoveSessions.closeSieves);
  // then the messages and the Sieve scripts at once (the sessions stay for the verification)
  await run.sessions.closeSieves();
  await syncQuota(run, { apply: true });
  const [result] = await Promise.all([run.passAll('sync'), syncSieveAsOwner(run, { apply: true })]);
  run.log.info('final sync', { move: run.moveId, ...result });
  await run.advance(MoveState.FinalSync, MoveState.Verifying);
}
