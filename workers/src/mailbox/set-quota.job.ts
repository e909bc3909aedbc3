import { JobName, MailboxState } from '@roost/core';
import { asAdmin } from '../backend-access';
import { JobHandler, skipped } from '../context';
import { provisionMailbox } from './create.job';
import { moveUnderWay, waitAndRetry } from './move-guard';
import { checkedAddress, ensureQuota, storageKiBFor } from './provisioning';

/** States in which the mailbox exists on its routed backend and no move is copying it. */
const QUOTA_STATES = [MailboxState.Active, MailboxState.Suspended];

/**
 * Sets the backend quota to the mailbox's `quota_bytes`; no change when it already is.
 * A provisioning mailbox is skipped: its create job (serialised with this one) reads the new
 * quota. A mailbox in `error` (say its quota was refused) is provisioned again from its row,
 * which is idempotent, and is `active` when that works. While a move is under way the job waits
 * and then sets the quota on the backend the mailbox is routed to after it (move-guard.ts):
 * set on the source after the final sync it would be lost at the flip.
 */
export const setQuotaJob: JobHandler<JobName.MailboxSetQuota> = {
  async run({ mailboxId }, ctx, job, token) {
    const target = await ctx.mailboxes.findWithBackend(mailboxId);
    if (!target) return skipped('mailbox no longer exists');
    const { mailbox, backend } = target;
    const moving = moveUnderWay(mailbox, await ctx.mailboxes.openMove(mailboxId));
    if (moving) return waitAndRetry(ctx, job, token, moving);
    if (mailbox.state === MailboxState.Error) {
      const result = await provisionMailbox(ctx, mailbox, backend);
      await ctx.mailboxes.transition(mailboxId, [MailboxState.Error], MailboxState.Active);
      await ctx.mailboxes.recordApplied(mailboxId, {
        cyrusAddress: mailbox.address,
        quotaBytes: mailbox.quotaBytes,
      });
      return { recovered: true, ...result };
    }
    if (!QUOTA_STATES.includes(mailbox.state)) return skipped(`mailbox is ${mailbox.state}`);

    // the name the user has on the backend: a rename may not be applied yet
    const address = checkedAddress(mailbox.cyrusAddress ?? mailbox.address);
    const storageKiB = storageKiBFor(mailbox.quotaBytes);
    const changed = await asAdmin(ctx, backend, (admin) => ensureQuota(admin, address, storageKiB));
    await ctx.mailboxes.recordApplied(mailboxId, { quotaBytes: mailbox.quotaBytes });
    return { changed, storageKiB };
  },

  async onGiveUp({ mailboxId }, reason, ctx) {
    await ctx.mailboxes.markFailed(mailboxId, reason);
  },
};
