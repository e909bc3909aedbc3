import { JobName, MailboxState, cyrusMailboxName } from '@roost/core';
import { asAdmin } from '../backend-access';
import { JobHandler, skipped } from '../context';
import { PermanentError } from '../failures';
import { runBackendControl } from './backend-control';
import { checkedAddress } from './provisioning';

/**
 * Renames the user's tree on the backend from `fromAddress` to the mailbox's current address
 * (Cyrus `RENAME user/a@d user/b@d`, mail and folders kept; needs `allowusermoves: yes`).
 * Finding the new name already there and the old one gone means it is done.
 */
export const renameMailboxJob: JobHandler<JobName.MailboxRename> = {
  async run({ mailboxId, fromAddress }, ctx) {
    const target = await ctx.mailboxes.findWithBackend(mailboxId);
    if (!target) return skipped('mailbox no longer exists');
    const { mailbox, backend } = target;
    if (mailbox.state !== MailboxState.Active && mailbox.state !== MailboxState.Suspended) {
      return skipped(`mailbox is ${mailbox.state}`);
    }
    const to = checkedAddress(mailbox.address);
    const from = checkedAddress(fromAddress);
    if (from === to) return skipped('address unchanged');

    const outcome = await asAdmin(ctx, backend, async (admin) => {
      const fromExists = await admin.mailboxExists(cyrusMailboxName(from));
      const toExists = await admin.mailboxExists(cyrusMailboxName(to));
      if (fromExists && !toExists) {
        await admin.renameUser(from, to);
        return 'renamed';
      }
      if (!fromExists && toExists) return 'already renamed';
      if (fromExists && toExists) {
        throw new PermanentError(
          `both ${from} and ${to} exist on backend ${backend.name}; not merging them`,
        );
      }
      throw new PermanentError(`neither ${from} nor ${to} exists on backend ${backend.name}`);
    });

    // A suspended user stays locked out under the new name.
    if (mailbox.state === MailboxState.Suspended) {
      await runBackendControl(ctx, backend, 'deny', to, `rename of suspended ${from}`);
      await runBackendControl(ctx, backend, 'allow', from, `rename of suspended ${from} to ${to}`);
    }
    return { outcome };
  },

  async onGiveUp({ mailboxId }, reason, ctx) {
    await ctx.mailboxes.markFailed(mailboxId, reason);
  },
};
