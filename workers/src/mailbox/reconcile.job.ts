import { JobName, QueueName } from '@roost/core';
import { JobType, Queue } from 'bullmq';
import { JobHandler } from '../context';

/** Job states in which a job will still run (completed and failed ones will not). */
const UNDER_WAY: JobType[] = ['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'];

/**
 * The outbox's other half. The API commits a change and then enqueues its job; when Redis
 * refuses that enqueue the mailbox stays pending with no job. Every few seconds (one BullMQ job
 * scheduler, whatever the number of worker processes) this finds mailboxes pending for longer
 * than the grace period and enqueues the job that finishes each one:
 *   provisioning                      -> mailbox-create
 *   deleting                          -> mailbox-delete (delayed until delete_after)
 *   address <> cyrus_address          -> mailbox-rename (from the name on the backend)
 *   quota_bytes <> quota_applied_bytes -> mailbox-set-quota
 *   suspended, not denied on backend  -> mailbox-suspend
 *   active, still denied on backend   -> mailbox-activate
 * A mailbox that already has a job of that name waiting, delayed or running is skipped; the job
 * id is the API's for the same row version (`jobIdFor(name, payload, updated_at µs)`; the
 * create job has no version), so two runs never add the same job twice.
 */
export const reconcileMailboxesJob: JobHandler<JobName.MailboxReconcile> = {
  async run(_data, ctx) {
    const { reconcileGraceMs, reconcileBatchSize } = ctx.settings;
    const pending = await ctx.mailboxes.pendingMailboxes(reconcileGraceMs, reconcileBatchSize);
    if (pending.length === 0) return { pending: 0, enqueued: [] };

    const underWay = await jobsUnderWay(ctx.producer.queue(QueueName.Mailbox));
    const enqueued: string[] = [];
    for (const p of pending) {
      if (underWay.has(`${p.job}/${p.mailboxId}`)) continue;
      const payload = { mailboxId: p.mailboxId };
      const options = { version: p.version };
      let id: string | undefined;
      switch (p.job) {
        case JobName.MailboxRename:
          if (p.cyrusAddress === null) continue;
          id = (
            await ctx.producer.add(
              JobName.MailboxRename,
              { mailboxId: p.mailboxId, fromAddress: p.cyrusAddress },
              options,
            )
          ).id;
          break;
        case JobName.MailboxDelete: {
          const delayMs = (p.deleteAfter?.getTime() ?? 0) - Date.now();
          id = (await ctx.producer.add(p.job, payload, { ...options, delayMs })).id;
          break;
        }
        case JobName.MailboxCreate:
          // the API adds the create job without a version: one per mailbox
          id = (await ctx.producer.add(p.job, payload)).id;
          break;
        case JobName.MailboxSetQuota:
        case JobName.MailboxSuspend:
        case JobName.MailboxActivate:
          id = (await ctx.producer.add(p.job, payload, options)).id;
          break;
      }
      if (id !== undefined) enqueued.push(id);
    }
    if (enqueued.length > 0) {
      ctx.log.warn('reconciler enqueued jobs of mailboxes left pending', { jobs: enqueued });
    }
    return { pending: pending.length, enqueued };
  },
};

/** `<job name>/<mailbox id>` of every mailbox job that will still run. */
async function jobsUnderWay(queue: Queue): Promise<Set<string>> {
  const jobs = await queue.getJobs(UNDER_WAY);
  const keys = new Set<string>();
  for (const job of jobs) {
    const mailboxId = (job?.data as { mailboxId?: unknown } | undefined)?.mailboxId;
    if (typeof mailboxId === 'number') keys.add(`${job.name}/${mailboxId}`);
  }
  return keys;
}
