import { setTimeout as sleep } from 'node:timers/promises';
import { MoveState } from '@roost/core';
import { MovePermanentError } from './move.errors';
import { MoveRun } from './move-run';
import { syncStructure } from './structure';
import { verifyFolder } from './verification';

/**
 * syncing -> frozen: delta passes (new messages, flag changes, expunges, new folders) while the
 * user keeps working on the source, until a pass finds little to do; then the freeze.
 */
export async function syncStep(run: MoveRun): Promise<void> {
  await run.sync.loadCheckpoints();
  for (let pass = 1; pass <= run.settings.syncMaxPasses; pass++) {
    const [lane] = await run.lanes(1);
    await syncStructure(lane.src, lane.dst, { apply: true, deleteExtra: true });
    const started = Date.now();
    const result = await run.passAll('sync');
    run.log.info('delta pass', { move: run.moveId, pass, ms: Date.now() - started, ...result });
    if (result.copied < run.settings.syncSmallDelta || pass === run.settings.syncMaxPasses) break;
    const until = Date.now() + run.settings.syncIntervalMs;
    while (Date.now() < until) {
      await run.progress.checkCancel();
      await sleep(Math.min(200, Math.max(0, until - Date.now())));
    }
  }
  // verify the bulk now, so that inside the freeze only what changes is read again
  const started = Date.now();
  const [lane] = await run.lanes(1);
  const folders = await run.sourceFolders(lane.src);
  const verified = await run.forEachFolder(folders, (l, folder) =>
    verifyFolder(l, folder, run.sync.sourceRead(folder.raw)),
  );
  run.preverified.clear();
  for (const [raw, state] of verified) run.preverified.set(raw, state);
  run.log.info('verified before the freeze', {
    move: run.moveId,
    folders: verified.size,
    differing: [...verified.values()].filter((v) => !v.result.ok).length,
    ms: Date.now() - started,
  });
  await run.progress.checkCancel();
  const { move, mailbox, source } = run.subject;
  if (!(await run.repo.freeze(move.id, mailbox.id, source.id))) {
    await run.progress.checkCancel();
    throw new MovePermanentError('the move left the syncing state before the freeze');
  }
  run.log.info('move state', { move: move.id, from: MoveState.Syncing, to: MoveState.Frozen });
}
