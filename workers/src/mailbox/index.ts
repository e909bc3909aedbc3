import { JobName } from '@roost/core';
import { JobHandler, QueueHandlers } from '../context';
import { activateMailboxJob } from './activate.job';
import { createMailboxJob } from './create.job';
import { deleteMailboxJob } from './delete.job';
import { reconcileMailboxesJob } from './reconcile.job';
import { renameMailboxJob } from './rename.job';
import { setQuotaJob } from './set-quota.job';
import { suspendMailboxJob } from './suspend.job';

/** Jobs of one mailbox never interleave (a rename and a quota change, a suspend and an activate). */
function oneAtATime<J extends JobName>(handler: JobHandler<J>): JobHandler<J> {
  return {
    run: (data, ctx, job, token) =>
      ctx.mailboxes.withMailboxLock((data as { mailboxId: number }).mailboxId, () =>
        handler.run(data, ctx, job, token),
      ),
    onGiveUp: (data, reason, ctx) => handler.onGiveUp?.(data, reason, ctx) ?? Promise.resolve(),
  };
}

export const mailboxHandlers: QueueHandlers = {
  [JobName.MailboxCreate]: oneAtATime(createMailboxJob),
  [JobName.MailboxSetQuota]: oneAtATime(setQuotaJob),
  [JobName.MailboxRename]: oneAtATime(renameMailboxJob),
  [JobName.MailboxSuspend]: oneAtATime(suspendMailboxJob),
  [JobName.MailboxActivate]: oneAtATime(activateMailboxJob),
  [JobName.MailboxDelete]: oneAtATime(deleteMailboxJob),
  [JobName.MailboxReconcile]: reconcileMailboxesJob,
};
