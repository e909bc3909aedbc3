import { JobName, MailboxState } from '@roost/core';
import { asAdmin } from '../backend-access';
import { JobHandler, skipped } from '../context';
import { provisionMailbox } from './create.job';
import { checkedAddress, ensureQuota, storageKiBFor } from './provisioning';

/** States in which the mailbox exists on its backend. */
const QUOTA_STATES = [
  MailboxState.Active,
  MailboxState.Suspended,
  MailboxState.Moving,
  MailboxState.Frozen,
];

/**
 * Sets the backend quota to the mailbox's `quota_bytes`; no change when it already is.
 * A provisioning mailbox is skipped: its create job (serialised with this one) reads the new
 * quota. A mailbox in `error` (say its quota was refused) is provisioned again from its row,
 * which is idempotent, and is `active` when that works.
 */
export const setQuotaJob: JobHandler<JobName.MailboxSetQuota> = {
  async run({ mailboxId }, ctx) {
    const target = await ctx.mailboxes.findWithBackend(mailboxId);
    if (!target) return skipped('mailbox no longer exists');
    const { mailbox, backend } = target;
    if (mailbox.state === MailboxState.Error) {
      const result = await provisionMailbox(ctx, mailbox, backend);
      await ctx.mailboxes.transition(mailboxId, [MailboxState.Error], MailboxState.Active);
      return { recovered: true, ...result };
    }
    if (!QUOTA_STATES.includes(mailbox.state)) return skipped(`mailbox is ${mailbox.state}`);

    const address = checkedAddress(mailbox.address);
    const storageKiB = storageKiBFor(mailbox.quotaBytes);
    const changed = await asAdmin(ctx, backend, (admin) => ensureQuota(admin, address, storageKiB));
    return { changed, storageKiB };
  },

  async onGiveUp({ mailboxId }, reason, ctx) {
    await ctx.mailboxes.markFailed(mailboxId, reason);
  },
};
