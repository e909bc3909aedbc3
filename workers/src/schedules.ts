import { JobName, QueueName } from '@roost/core';
import { JobsOptions } from 'bullmq';
import { JobProducer } from './producer';

export interface Schedules {
  /** 0 removes the schedule. */
  quotaSyncEveryMs: number;
  backendHealthEveryMs: number;
  /** The mailbox reconciler (mailbox/reconcile.job.ts); absent leaves its scheduler alone. */
  reconcileEveryMs?: number;
}

/**
 * The repeatable jobs, as BullMQ job schedulers: upserting is idempotent, so every worker
 * process may do it at boot and there is still one schedule per queue.
 */
export async function applySchedules(producer: JobProducer, schedules: Schedules): Promise<void> {
  await schedule(producer, QueueName.QuotaSync, JobName.QuotaSyncAll, schedules.quotaSyncEveryMs);
  await schedule(
    producer,
    QueueName.BackendHealth,
    JobName.BackendHealthCheck,
    schedules.backendHealthEveryMs,
  );
  if (schedules.reconcileEveryMs !== undefined) {
    await schedule(
      producer,
      QueueName.Mailbox,
      JobName.MailboxReconcile,
      schedules.reconcileEveryMs,
      {
        attempts: 1, // the next tick is the retry
        removeOnComplete: { count: 100 },
        removeOnFail: { count: 100 },
      },
    );
  }
}

async function schedule(
  producer: JobProducer,
  queueName: QueueName,
  name: JobName,
  everyMs: number,
  overrides: JobsOptions = {},
) {
  const queue = producer.queue(queueName);
  if (everyMs <= 0) {
    await queue.removeJobScheduler(name);
    return;
  }
  const { attempts, backoff, removeOnComplete, removeOnFail } = {
    ...producer.jobOptions(queueName),
    ...overrides,
  };
  await queue.upsertJobScheduler(
    name,
    { every: everyMs },
    { name, data: {}, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
  );
}
