import { MoveState } from '@roost/core';
import { FrozenTooLongError, MovePermanentError } from './move.errors';
import { MoveRun } from './move-run';

/**
 * The flip: in one transaction the routing entry points at the target and the mailbox is
 * active; then the relays reload (qmgr's cached route) and flush (the mail they held during the
 * freeze goes to the target at once). A relay failure does not undo a verified flip: the held
 * mail then follows at the relays' next queue run.
 */
export async function flipStep(run: MoveRun): Promise<void> {
  if (!(await run.repo.flip(run.subject, run.settings.maxFrozenMs))) {
    await run.refresh();
    const { move } = run.subject;
    if (move.cancelRequested) await run.progress.checkCancel();
    if (move.state === MoveState.Verifying) throw new FrozenTooLongError();
    throw new MovePermanentError(`the flip was refused: the move is ${move.state}`);
  }
  run.progress.frozenDeadline = undefined;
  run.log.info('move state', {
    move: run.moveId,
    from: MoveState.Verifying,
    to: MoveState.Flipped,
  });
  const reason = `move ${run.moveId}: ${run.address} flipped to ${run.subject.target.name}`;
  const flush = await run.control.relays('flush', reason);
  if (!flush.ok) run.warn(`after the flip: ${flush.detail}`);
}
