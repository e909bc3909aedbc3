import { JobName, MailboxState } from '@roost/core';
import { JobHandler, skipped } from '../context';
import { runBackendControl } from './backend-control';
import { moveUnderWay, waitAndRetry } from './move-guard';
import { checkedAddress } from './provisioning';

/**
 * Suspends a mailbox. The database state comes first: through the routing views Postfix then
 * refuses mail for it (`550 5.2.1 mailbox disabled`) and Roost's auth refuses its logins.
 * Then the backend's control command denies logins on the backend itself and ends open
 * sessions (Cyrus `cyr_deny`), since clients may talk to the backend directly.
 * The API usually sets `suspended` (with the admin's reason) before it enqueues this job.
 */
export const suspendMailboxJob: JobHandler<JobName.MailboxSuspend> = {
  async run({ mailboxId }, ctx, job, token) {
    const target = await ctx.mailboxes.findWithBackend(mailboxId);
    if (!target) return skipped('mailbox no longer exists');
    const { mailbox, backend } = target;
    // the deny belongs on the backend the mailbox is routed to once a move is over
    const moving = moveUnderWay(mailbox, await ctx.mailboxes.openMove(mailboxId));
    if (moving) return waitAndRetry(ctx, job, token, moving);
    if (mailbox.state === MailboxState.Active) {
      await ctx.mailboxes.transition(mailboxId, [MailboxState.Active], MailboxState.Suspended);
    } else if (mailbox.state !== MailboxState.Suspended) {
      return skipped(`mailbox is ${mailbox.state}`);
    }
    const address = checkedAddress(mailbox.address);
    const denied = await runBackendControl(
      ctx,
      backend,
      'deny',
      address,
      `suspend mailbox ${mailboxId}`,
    );
    if (!denied) {
      ctx.log.warn(
        'backend has no control command: only Roost refuses logins to the suspended mailbox',
        {
          backend: backend.name,
          mailboxId,
        },
      );
    }
    await ctx.mailboxes.recordApplied(mailboxId, { backendDenied: true });
    return { denied };
  },

  async onGiveUp({ mailboxId }, reason, ctx) {
    await ctx.mailboxes.markFailed(mailboxId, reason);
  },
};
