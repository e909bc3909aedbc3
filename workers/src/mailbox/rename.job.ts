import { JobName, MailboxState, MoveState, cyrusMailboxName } from '@roost/core';
import { Backend } from '@roost/db';
import { asAdmin } from '../backend-access';
import { JobHandler, WorkerContext, skipped } from '../context';
import { PermanentError } from '../failures';
import { MoveRepository } from '../move/move.repository';
import { runBackendControl } from './backend-control';
import { moveUnderWay, waitAndRetry } from './move-guard';
import { checkedAddress } from './provisioning';

type RenameOutcome = 'renamed' | 'already renamed';

/**
 * Renames the user's tree on the backend from `fromAddress` to the mailbox's current address
 * (Cyrus `RENAME user/a@d user/b@d`, mail and folders kept; needs `allowusermoves: yes`).
 * Finding the new name already there and the old one gone means it is done.
 *
 * Moves: while one is copying the user (or sweeping after its flip) the job waits, then renames
 * on the backend the mailbox is routed to. A copy retained on a move's source is renamed too
 * (under the move's lock), so that MoveClean finds and deletes it by the new name.
 */
export const renameMailboxJob: JobHandler<JobName.MailboxRename> = {
  async run({ mailboxId, fromAddress }, ctx, job, token) {
    const target = await ctx.mailboxes.findWithBackend(mailboxId);
    if (!target) return skipped('mailbox no longer exists');
    const { mailbox, backend } = target;
    const move = await ctx.mailboxes.openMove(mailboxId);
    const moving = moveUnderWay(mailbox, move);
    if (moving) return waitAndRetry(ctx, job, token, moving);
    if (mailbox.state !== MailboxState.Active && mailbox.state !== MailboxState.Suspended) {
      return skipped(`mailbox is ${mailbox.state}`);
    }
    const to = checkedAddress(mailbox.address);
    const from = checkedAddress(fromAddress);
    if (from === to) return skipped('address unchanged');

    let retained: RenameOutcome | 'none' = 'none';
    if (move?.state === MoveState.Retained && move.sourceBackendId !== backend.id) {
      const unlock = await new MoveRepository(ctx.db).tryLockMove(move.id);
      if (!unlock) return waitAndRetry(ctx, job, token, `move ${move.id} is being cleaned`);
      try {
        const source = await ctx.mailboxes.findBackend(move.sourceBackendId);
        retained = await renameOn(ctx, source, from, to, true);
        if (retained === 'renamed') {
          // the retained copy stays locked for its owner under the new name
          const why = `rename of ${from} to ${to}: retained copy of move ${move.id}`;
          await runBackendControl(ctx, source, 'deny', to, why);
          await runBackendControl(ctx, source, 'allow', from, why);
        }
      } finally {
        await unlock();
      }
    }

    const outcome = await renameOn(ctx, backend, from, to, false);
    // A suspended user stays locked out under the new name.
    if (mailbox.state === MailboxState.Suspended) {
      await runBackendControl(ctx, backend, 'deny', to, `rename of suspended ${from}`);
      await runBackendControl(ctx, backend, 'allow', from, `rename of suspended ${from} to ${to}`);
    }
    await ctx.mailboxes.recordApplied(mailboxId, { cyrusAddress: to });
    return move?.state === MoveState.Retained ? { outcome, retained } : { outcome };
  },

  async onGiveUp({ mailboxId }, reason, ctx) {
    await ctx.mailboxes.markFailed(mailboxId, reason);
  },
};

/** RENAME from -> to on `backend`; `optional`: neither name there is fine (a copy already gone). */
async function renameOn(
  ctx: WorkerContext,
  backend: Backend,
  from: string,
  to: string,
  optional: boolean,
): Promise<RenameOutcome | 'none'> {
  return asAdmin(ctx, backend, async (admin) => {
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
    if (optional) return 'none';
    throw new PermanentError(`neither ${from} nor ${to} exists on backend ${backend.name}`);
  });
}
