import { JobName, QueueName } from '@roost/core';
import { JobProducer } from './producer';

export interface Schedules {
  /** 0 removes the schedule. */
  quotaSyncEveryMs: number;
  backendHealthEveryMs: number;
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
}

async function schedule(
  producer: JobProducer,
  queueName: QueueName,
  name: JobName,
  everyMs: number,
) {
  const queue = producer.queue(queueName);
  if (everyMs <= 0) {
    await queue.removeJobScheduler(name);
    return;
  }
  const { attempts, backoff, removeOnComplete, removeOnFail } = producer.jobOptions(queueName);
  await queue.upsertJobScheduler(
    name,
    { every: everyMs },
    { name, data: {}, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
  );
}
