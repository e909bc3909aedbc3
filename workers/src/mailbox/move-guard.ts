import { MailboxState, MoveState } from '@roost/core';
import { Mailbox } from '@roost/db';
import { DelayedError, Job } from 'bullmq';
import { WorkerContext } from '../context';
import { OpenMove } from './mailbox.repository';

/**
 * Mailbox jobs and moves. A move copies the user from its source to its target and flips the
 * routing entry; a job that changed either backend meanwhile would be lost (a quota set on the
 * source after the final sync, a rename the copy does not know of) or undone. So a job waits
 * while the move is under way and then applies the change to the backend the mailbox is routed
 * to by then: the target after a flip, the source after a rollback.
 *
 * Under way: the mailbox is `moving` or `frozen` (the copy began; a `failed` XFER move leaves it
 * frozen until a person acts), or its move is `flipped` (the sweep still copies from the source).
 * A move that is only `queued` is not in the way: it begins under the same per-mailbox lock the
 * job holds, and it refuses to begin while a rename is due (move.repository `begin`).
 */
export function moveUnderWay(mailbox: Mailbox, move: OpenMove | null): string | null {
  if (mailbox.state === MailboxState.Moving || mailbox.state === MailboxState.Frozen) {
    return `mailbox is ${mailbox.state}${move ? ` (move ${move.id} is ${move.state})` : ''}`;
  }
  if (move?.state === MoveState.Flipped) return `move ${move.id} is flipped, its sweep is running`;
  return null;
}

/**
 * Puts the job back (BullMQ delayed, no attempt used) until `atMs`; the job runs again then and
 * re-reads everything. Never returns.
 */
export async function waitAndRetry(
  ctx: WorkerContext,
  job: Job,
  token: string | undefined,
  reason: string,
  atMs = Date.now() + ctx.settings.mailboxMoveWaitMs,
): Promise<never> {
  ctx.log.info('mailbox job waits for a move', { name: job.name, job: job.id, reason });
  await job.updateProgress({ waitingFor: reason });
  await job.moveToDelayed(atMs, token);
  throw new DelayedError();
}
