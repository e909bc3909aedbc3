import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { JobName, JobPayloads, jobIdFor, QUEUE_OF, QueueName } from '@roost/core';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { ROOST_ENV, RoostEnv } from '../config/env';

export interface EnqueueOptions {
  delayMs?: number;
}

/**
 * BullMQ producers, one Queue per queue name. Job ids are deterministic (`jobIdFor`), so a
 * repeated request for the same intent adds nothing. Call `enqueue` only after the
 * transaction that recorded the intent has committed.
 */
@Injectable()
export class JobsService implements OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly connection: Redis;
  private readonly queues = new Map<QueueName, Queue>();

  constructor(@Inject(ROOST_ENV) env: RoostEnv) {
    this.connection = new Redis(env.REDIS_URL, {
      maxRetriesPerRequest: null,
      connectTimeout: 3000,
    });
    this.connection.on('error', () => undefined);
    for (const name of Object.values(QueueName)) {
      const queue = new Queue(name, {
        connection: this.connection,
        prefix: env.ROOST_QUEUE_PREFIX,
      });
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
  }

  queue(name: QueueName): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`no queue ${name}`);
    return q;
  }

  /** Adds the job; returns its id. Throws when Redis refuses. */
  async enqueue<J extends JobName>(
    name: J,
    payload: JobPayloads[J],
    version?: string | number,
    opts: EnqueueOptions = {},
  ): Promise<string> {
    const jobId = jobIdFor(name, payload, version);
    await this.queue(QUEUE_OF[name]).add(name, payload, {
      jobId,
      delay: opts.delayMs,
      attempts: 5,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: 7 * 86_400, count: 10_000 },
      removeOnFail: { age: 30 * 86_400 },
    });
    return jobId;
  }

  /**
   * Enqueues after a commit. The intent is already in the database, so a Redis failure must not
   * turn a done change into an error: it is logged, and the response says the job is pending.
   */
  async enqueueAfterCommit<J extends JobName>(
    name: J,
    payload: JobPayloads[J],
    version?: string | number,
    opts: EnqueueOptions = {},
  ): Promise<string | null> {
    try {
      return await this.enqueue(name, payload, version, opts);
    } catch (err) {
      this.logger.error(
        `could not enqueue ${jobIdFor(name, payload, version)}: ${(err as Error).message}`,
      );
      return null;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
