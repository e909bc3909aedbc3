import { JobName, MailboxState } from '@roost/core';
import { JobHandler, skipped } from '../context';
import { runBackendControl } from './backend-control';
import { moveUnderWay, waitAndRetry } from './move-guard';
import { checkedAddress } from './provisioning';

/**
 * Re-activates a suspended mailbox: the backend allows the user again first, then the state
 * goes back to `active` (so a failure leaves a consistent, still suspended mailbox).
 */
export const activateMailboxJob: JobHandler<JobName.MailboxActivate> = {
  async run({ mailboxId }, ctx, job, token) {
    const target = await ctx.mailboxes.findWithBackend(mailboxId);
    if (!target) return skipped('mailbox no longer exists');
    const { mailbox, backend } = target;
    // the allow belongs on the backend the mailbox is routed to once a move is over
    const moving = moveUnderWay(mailbox, await ctx.mailboxes.openMove(mailboxId));
    if (moving) return waitAndRetry(ctx, job, token, moving);
    if (mailbox.state !== MailboxState.Suspended && mailbox.state !== MailboxState.Active) {
      return skipped(`mailbox is ${mailbox.state}`);
    }
    const address = checkedAddress(mailbox.address);
    const allowed = await runBackendControl(
      ctx,
      backend,
      'allow',
      address,
      `activate mailbox ${mailboxId}`,
    );
    await ctx.mailboxes.transition(
      mailboxId,
      [MailboxState.Suspended, MailboxState.Active],
      MailboxState.Active,
    );
    await ctx.mailboxes.recordApplied(mailboxId, { backendDenied: false });
    return { allowed };
  },

  async onGiveUp({ mailboxId }, reason, ctx) {
    await ctx.mailboxes.markFailed(mailboxId, reason);
  },
};
