import { JobName, MoveEngine, MoveState } from '@roost/core';
import { MoveRun } from './move-run';
import { sweep } from './sweep.step';

const RETRY_MS = 60_000;

/**
 * The MoveClean job.
 * - A retained move whose retention has passed: one last sweep of the source (late deliveries
 *   still land on the target), then the source copy is deleted and the move is `cleaned`.
 * - A rolled-back or cancelled move whose partial copy could not be deleted: delete it now,
 *   unless the mailbox is routed there or another move of it is under way.
 * Returns what it did, for the job's return value.
 */
export async function cleanStep(run: MoveRun): Promise<string> {
  const { move, mailbox, source, target } = run.subject;
  if (move.state === MoveState.Retained) {
    const left = (move.retainUntil?.getTime() ?? 0) - Date.now();
    if (left > 0) {
      await run.enqueue(
        JobName.MoveClean,
        { moveId: move.id },
        { delayMs: left, version: `at-${move.retainUntil?.getTime()}` },
      );
      return `retained until ${move.retainUntil?.toISOString()}`;
    }
    if (await run.repo.hasOtherOpenMove(move.id, mailbox.id)) {
      await run.enqueue(
        JobName.MoveClean,
        { moveId: move.id },
        { delayMs: RETRY_MS, version: `wait-${Date.now()}` },
      );
      return 'postponed: another move of this mailbox is under way';
    }
    if (mailbox.backendId === source.id) {
      // routed back to the source since (another move): its copy there is live mail now
      await run.repo.transition(move.id, [MoveState.Retained], MoveState.Cleaned, {
        error: 'the mailbox is routed to the source again; its copy there was kept',
        finished: true,
      });
      return 'kept: routed to the source again';
    }
    await run.control.backend(source, 'allow', run.address, `move ${move.id}: last sweep`);
    const added = move.engine === MoveEngine.Xfer ? 0 : await sweep(run);
    await run.sessions.close();
    await run.sessions.asAdmin(source, (admin) => admin.deleteUserMailbox(run.address));
    await run.repo.transition(move.id, [MoveState.Retained], MoveState.Cleaned, { finished: true });
    run.log.info('move state', {
      move: move.id,
      from: MoveState.Retained,
      to: MoveState.Cleaned,
      swept: added,
    });
    return `source deleted (${added} late message(s) swept)`;
  }
  if (move.state === MoveState.RolledBack || move.state === MoveState.Cancelled) {
    if (mailbox.backendId === target.id || (await run.repo.hasOtherOpenMove(move.id, mailbox.id))) {
      return 'partial copy left alone: the mailbox is routed there or moving again';
    }
    try {
      const deleted = await run.sessions.asAdmin(target, (admin) =>
        admin.deleteUserMailbox(run.address),
      );
      await run.repo.setError(
        move.id,
        `${move.error ?? ''}; partial copy on ${target.name} deleted later`,
      );
      return deleted ? 'partial copy deleted' : 'no partial copy left';
    } catch (err) {
      await run.enqueue(
        JobName.MoveClean,
        { moveId: move.id },
        { delayMs: RETRY_MS, version: `rollback-${Date.now()}` },
      );
      return `partial copy not deleted yet: ${(err as Error).message}`;
    }
  }
  return `nothing to clean in state ${move.state}`;
}
