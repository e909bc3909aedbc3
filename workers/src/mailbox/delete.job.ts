import { JobName, MailboxState } from '@roost/core';
import { DelayedError } from 'bullmq';
import { asAdmin } from '../backend-access';
import { JobHandler, skipped } from '../context';
import { runBackendControl } from './backend-control';
import { checkedAddress } from './provisioning';

/**
 * Deletes a mailbox once its retention is over (`delete_after`): the whole user tree on the
 * backend (SETACL x, then DELETE), any login denial left from a suspension, then the row.
 * A job that runs early (retention extended) puts itself back until `delete_after`; a mailbox
 * that is no longer `deleting` (restored) is left alone.
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

    const address = checkedAddress(mailbox.address);
    const deleted = await asAdmin(ctx, backend, (admin) => admin.deleteUserMailbox(address));
    await runBackendControl(
      ctx,
      backend,
      'allow',
      address,
      `delete mailbox ${mailboxId}: clear any login denial`,
    );
    await ctx.mailboxes.deleteDeleted(mailboxId);
    return { deleted };
  },

  async onGiveUp({ mailboxId }, reason, ctx) {
    await ctx.mailboxes.markFailed(mailboxId, reason);
  },
};
