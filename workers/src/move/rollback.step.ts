import { JobName, MoveEngine, MoveState } from '@roost/core';
import { xferBackIfMoved } from './xfer.step';
import { MoveRun, PRE_FLIP_STATES } from './move-run';

export type RollbackOutcome = MoveState.RolledBack | MoveState.Cancelled;

const TARGET_CLEANUP_RETRY_MS = 60_000;

/**
 * Before the flip, any failure, timeout or cancel ends here: the mailbox is active on the
 * source again, the relays send the mail they held there, the source allows the owner again,
 * and the partial copy on the target is deleted. Nothing on the source is touched. When the
 * target cannot be reached, the move still ends rolled back and MoveClean deletes the copy later.
 */
export async function rollbackStep(
  run: MoveRun,
  outcome: RollbackOutcome,
  reason: string,
): Promise<void> {
  await run.refresh();
  const { move, mailbox, source, target } = run.subject;
  if (!PRE_FLIP_STATES.includes(move.state)) return; // after the flip there is nothing to undo
  const began = move.state !== MoveState.Queued;
  const notes: string[] = [reason];

  if (began && move.engine === MoveEngine.Xfer) {
    try {
      if (await xferBackIfMoved(run)) notes.push(`the user was XFERed back to ${source.name}`);
    } catch (err) {
      // the only copy is on the target: keep the routing as it is (frozen) and ask for a person
      const error = `${reason}; ROLLBACK STOPPED: ${(err as Error).message}. The user's mail is on ${target.name} only; the mailbox stays frozen until an operator moves it back or flips it`;
      await run.repo.transition(move.id, [...PRE_FLIP_STATES], MoveState.Failed, {
        error,
        finished: true,
      });
      run.log.error('XFER rollback impossible', { move: move.id, error });
      return;
    }
  }

  if (began) {
    await run.repo.restoreMailbox(mailbox.id, source.id);
    if (move.frozenAt !== null) {
      const why = `move ${move.id}: rolled back, ${run.address} stays on ${source.name}`;
      const flush = await run.control.relays('flush', why);
      if (!flush.ok) notes.push(flush.detail);
    }
    await run.control
      .backend(source, 'allow', run.address, `move ${move.id}: rolled back`)
      .catch((err: unknown) =>
        notes.push(`allow on ${source.name} failed: ${(err as Error).message}`),
      );
  }
  await run.sessions.close();

  if (began) {
    const fresh = await run.repo.reloadMailbox(mailbox.id);
    if (fresh.backendId === target.id) {
      notes.push('the routing entry points at the target: its copy was kept');
    } else {
      try {
        await run.sessions.asAdmin(target, (admin) => admin.deleteUserMailbox(run.address));
      } catch (err) {
        notes.push(
          `the partial copy on ${target.name} could not be deleted yet (${(err as Error).message}); MoveClean retries`,
        );
        await run.enqueue(
          JobName.MoveClean,
          { moveId: move.id },
          { delayMs: TARGET_CLEANUP_RETRY_MS, version: `rollback-${Date.now()}` },
        );
      }
    }
  }
  await run.repo.transition(move.id, [...PRE_FLIP_STATES], outcome, {
    error: notes.join('; '),
    finished: true,
  });
  run.log.warn('move rolled back', { move: move.id, outcome, reason: notes.join('; ') });
}
