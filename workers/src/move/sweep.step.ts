import { JobName, MoveEngine, MoveState } from '@roost/core';
import { MoveRun } from './move-run';
import { syncStructure } from './structure';

/**
 * flipped -> retained. The sweep: anything that still reached the source after the final sync
 * (a delivery a relay had in flight, a client that kept its session) is added to the target,
 * which is live now, so nothing there is changed or removed. Then the owner is denied on the
 * source for good (it is kept, read-only, for the retention period) and MoveClean is scheduled.
 */
export async function sweepStep(run: MoveRun): Promise<void> {
  const { source, move } = run.subject;
  if (move.engine === MoveEngine.Xfer) {
    // Cyrus deleted the source when XFER completed: nothing to sweep or retain
    await run.control.backend(source, 'allow', run.address, `move ${run.moveId}: XFER done`);
    if (await run.repo.retain(run.moveId, new Date())) {
      await run.enqueue(JobName.MoveClean, { moveId: run.moveId }, { delayMs: 0 });
    }
    return;
  }
  await run.sync.loadCheckpoints();
  await sweep(run);
  // cyr_deny waits (seconds) for sessions of the user it has to end: ours go first
  await run.sessions.closeSource();
  const denied = await run.control.backend(
    source,
    'deny',
    run.address,
    `move ${run.moveId}: retained copy`,
  );
  if (!denied.ran) run.warn(`after the flip: ${denied.detail}; the retained copy is not locked`);
  const retainUntil = new Date(Date.now() + run.settings.retentionMs);
  if (await run.repo.retain(run.moveId, retainUntil)) {
    run.log.info('move state', {
      move: run.moveId,
      from: MoveState.Flipped,
      to: MoveState.Retained,
    });
    await run.enqueue(
      JobName.MoveClean,
      { moveId: run.moveId },
      { delayMs: run.settings.retentionMs },
    );
  }
}

/** Adds late arrivals on the source to the target (also run once more by MoveClean). */
export async function sweep(run: MoveRun): Promise<number> {
  const [lane] = await run.lanes(1);
  // a folder the user created on the source after the final sync: create it, nothing else
  const structure = await syncStructure(lane.src, lane.dst, { apply: false, deleteExtra: false });
  for (const raw of structure.changes.createFolders) await lane.dst.createFolder(raw);
  const result = await run.passAll('sweep');
  if (result.copied > 0) {
    run.warn(
      `the sweep added ${result.copied} message(s) that reached the source after the final sync`,
    );
  }
  return result.copied;
}
