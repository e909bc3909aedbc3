import { JobName, JobPayloads, QUEUE_OF, QueueName, jobIdFor } from '@roost/core';
import { Job, JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Retry and retention per queue. Completed jobs are trimmed; failed ones are kept for people to
 * inspect (capped only on the periodic queues, which would otherwise grow without end).
 * Producers (the API, tests, the workers' own fan-out) must add jobs with these options:
 * BullMQ takes attempts and backoff from the job, not from the worker.
 */
export const DEFAULT_JOB_OPTIONS: Record<QueueName, JobsOptions> = {
  [QueueName.Mailbox]: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 5_000 }, // 5 s, 10 s, ... ~10 min in total
    removeOnComplete: { count: 1000, age: 24 * 3600 },
    removeOnFail: false,
  },
  [QueueName.QuotaSync]: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 10_000 },
    removeOnComplete: { count: 200 },
    removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
  },
  [QueueName.BackendHealth]: {
    attempts: 1,
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
  },
  // Owned by other issues; sensible defaults until they say otherwise.
  [QueueName.Move]: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 10_000 },
    removeOnFail: false,
  },
  [QueueName.Rebalance]: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 10_000 },
    removeOnFail: false,
  },
  [QueueName.Relay]: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnFail: false,
  },
};

export interface AddJobOptions {
  /** Distinguishes successive intents on the same object (see `jobIdFor`). */
  version?: string | number;
  delayMs?: number;
  /** While a job with this id is waiting, delayed or running, adding another is a no-op. */
  deduplicationId?: string;
}

/** Adds typed jobs to Roost's queues with deterministic ids and the queue's default options. */
export class JobProducer {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
    private readonly overrides: Partial<Record<QueueName, JobsOptions>> = {},
  ) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connection,
        prefix: this.prefix,
        defaultJobOptions: this.jobOptions(name),
      });
      this.queues.set(name, queue);
    }
    return queue;
  }

  jobOptions(name: QueueName): JobsOptions {
    return { ...DEFAULT_JOB_OPTIONS[name], ...this.overrides[name] };
  }

  async add<J extends JobName>(
    name: J,
    payload: JobPayloads[J],
    options: AddJobOptions = {},
  ): Promise<Job<JobPayloads[J]>> {
    const opts: JobsOptions = { jobId: jobIdFor(name, payload, options.version) };
    if (options.delayMs !== undefined) opts.delay = Math.max(0, options.delayMs);
    if (options.deduplicationId !== undefined) opts.deduplication = { id: options.deduplicationId };
    return (await this.queue(QUEUE_OF[name]).add(name, payload, opts)) as Job<JobPayloads[J]>;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
