import { JobName, MailboxState } from '@roost/core';
import { Backend, Mailbox } from '@roost/db';
import { asAdmin, asUser } from '../backend-access';
import { JobHandler, WorkerContext, skipped } from '../context';
import {
  checkedAddress,
  ensureQuota,
  ensureSubscriptions,
  ensureUserFolders,
  storageKiBFor,
} from './provisioning';

/**
 * Creates the mailbox on its backend: INBOX, the default folders with their special-use
 * attributes, the quota, and the owner's subscriptions; then the mailbox is `active`.
 * Whatever already exists is left as it is, so running it again changes nothing.
 */
export const createMailboxJob: JobHandler<JobName.MailboxCreate> = {
  async run({ mailboxId }, ctx) {
    const target = await ctx.mailboxes.findWithBackend(mailboxId);
    if (!target) return skipped('mailbox no longer exists');
    const { mailbox, backend } = target;
    if (mailbox.state !== MailboxState.Provisioning) return skipped(`mailbox is ${mailbox.state}`);

    const result = await provisionMailbox(ctx, mailbox, backend);
    await ctx.mailboxes.transition(mailboxId, [MailboxState.Provisioning], MailboxState.Active);
    await ctx.mailboxes.recordApplied(mailboxId, {
      cyrusAddress: mailbox.address,
      quotaBytes: mailbox.quotaBytes,
      backendDenied: false,
    });
    return result;
  },

  async onGiveUp({ mailboxId }, reason, ctx) {
    await ctx.mailboxes.markFailed(mailboxId, reason);
  },
};

export interface ProvisionResult {
  created: string[];
  quotaChanged: boolean;
  subscribed: string[];
}

/** Brings the backend to what the mailbox row says; idempotent. Also used to recover `error`. */
export async function provisionMailbox(
  ctx: WorkerContext,
  mailbox: Mailbox,
  backend: Backend,
): Promise<ProvisionResult> {
  const address = checkedAddress(mailbox.address);
  const storageKiB = storageKiBFor(mailbox.quotaBytes);
  const { created, quotaChanged } = await asAdmin(ctx, backend, async (admin) => ({
    created: await ensureUserFolders(admin, address),
    quotaChanged: await ensureQuota(admin, address, storageKiB),
  }));
  // Subscriptions are per user in Cyrus: set them as the owner (the INBOX exists by now).
  const subscribed = await asUser(ctx, backend, address, ensureSubscriptions);
  return { created, quotaChanged, subscribed };
}
