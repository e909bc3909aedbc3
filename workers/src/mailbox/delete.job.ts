import { JobName, MailboxState, MoveState } from '@roost/core';
import { DelayedError } from 'bullmq';
import { asAdmin } from '../backend-access';
import { JobHandler, skipped } from '../context';
import { runBackendControl } from './backend-control';
import { waitAndRetry } from './move-guard';
import { checkedAddress } from './provisioning';

/**
 * Deletes a mailbox once its retention is over (`delete_after`): the whole user tree on the
 * backend (SETACL x, then DELETE), any login denial left from a suspension, then the row.
 * A job that runs early (retention extended) puts itself back until `delete_after`; a mailbox
 * that is no longer `deleting` (restored) is left alone.
 *
 * Moves: deleting the row ends its moves (cascade), so the delete waits for them. A move that
 * began and has not flipped is asked to cancel (it rolls back, deleting its partial copy on the
 * target); a flipped one finishes its sweep; a retained copy on the source is deleted by its
 * MoveClean when the retention ends. A move that never began cannot begin on a `deleting`
 * mailbox and is not waited for.
 */
export const deleteMailboxJob: JobHandler<JobName.MailboxDelete> = {
  async run({ mailboxId }, ctx, job, token) {
    const target = await ctx.mailboxes.findWithBackend(mailboxId);
    if (!target) return skipped('mailbox no longer exists');
    const { mailbox, backend } = target;
    if (mailbox.state !== MailboxState.Deleting) return skipped(`mailbox is ${mailbox.state}`);
    if (mailbox.deleteAfter && mailbox.deleteAfter.getTime() > Date.now()) {
      await job.moveToDelayed(mailbox.deleteAfter.getTime(), token);
      throw new DelayedError();
    }
    const move = await ctx.mailboxes.openMove(mailboxId);
    if (move && move.state !== MoveState.Queued) {
      if (move.state === MoveState.Retained) {
        const at = Math.max(Date.now(), move.retainUntil?.getTime() ?? 0);
        return waitAndRetry(
          ctx,
          job,
          token,
          `move ${move.id} retains a copy until ${new Date(at).toISOString()}`,
          at + ctx.settings.mailboxMoveWaitMs,
        );
      }
      if (move.state !== MoveState.Flipped) await ctx.mailboxes.requestMoveCancel(move.id);
      return waitAndRetry(ctx, job, token, `move ${move.id} is ${move.state}`);
    }

    const address = checkedAddress(mailbox.cyrusAddress ?? mailbox.address);
    const deleted = await asAdmin(ctx, backend, (admin) => admin.deleteUserMailbox(address));
    await runBackendControl(
      ctx,
      backend,
      'allow',
      checkedAddress(mailbox.address),
      `delete mailbox ${mailboxId}: clear any login denial`,
    );
    await ctx.mailboxes.deleteDeleted(mailboxId);
    return { deleted };
  },

  async onGiveUp({ mailboxId }, reason, ctx) {
    await ctx.mailboxes.markFailed(mailboxId, reason);
  },
};
