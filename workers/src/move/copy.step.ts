import { MoveState } from '@roost/core';
import { MoveRun } from './move-run';

/**
 * copying -> syncing: the bulk copy, every folder once, several at a time, checkpointed per
 * batch. A resumed run starts each folder with a digest reconciliation (folder-sync.ts).
 */
export async function copyStep(run: MoveRun): Promise<void> {
  await run.sync.loadCheckpoints();
  const [lane] = await run.lanes(1);
  const folders = await run.sourceFolders(lane.src);
  // totals up front, so progress and ETA mean something from the first second
  for (const folder of folders) {
    const status = await lane.src.status(folder.raw);
    const cp = run.sync.checkpoint(folder.name);
    run.progress.setFolder(folder.name, {
      messagesTotal: status.messages,
      bytesTotal: status.size,
      messagesDone: Math.min(cp?.messagesDone ?? 0, status.messages),
      bytesDone: Math.min(cp?.bytesDone ?? 0, status.size),
    });
  }
  await run.progress.flush();
  const result = await run.passAll('sync', folders);
  run.log.info('bulk copy done', { move: run.moveId, ...result });
  await run.advance(MoveState.Copying, MoveState.Syncing);
}
