import { QueueName } from '@roost/core';
import { createDataSource } from '@roost/db';
import { ImapTimeouts } from '@roost/imap';
import { JobsOptions, Worker } from 'bullmq';
import { AdminSessionPool } from './admin-pool';
import { BackendHealthRepository } from './backend-health/backend-health.repository';
import { WorkerContext, WorkerSettings } from './context';
import { Logger, consoleLogger } from './logger';
import { MailboxJobRepository } from './mailbox/mailbox.repository';
import { createProcessor } from './processor';
import { JobProducer } from './producer';
import { QuotaSyncRepository } from './quota-sync/quota-sync.repository';
import { createRedisConnection } from './redis';
import { REGISTERED_QUEUES, handlersFor } from './registry';
import { Schedules, applySchedules } from './schedules';

export interface StartWorkersOptions {
  databaseUrl: string;
  redisUrl: string;
  /** BullMQ key prefix, shared with whoever enqueues. */
  prefix: string;
  /** Queues to work; every registered queue by default. Boot fails for one without handlers. */
  queues?: QueueName[];
  concurrency?: Partial<Record<QueueName, number>>;
  /** Repeatable jobs; `false` leaves the schedulers alone (tests add jobs by hand). */
  schedules?: Schedules | false;
  settings?: Partial<WorkerSettings>;
  imapTimeouts?: Partial<ImapTimeouts>;
  /** Job options of the jobs the workers add themselves (fan-out, schedules). */
  jobOptions?: Partial<Record<QueueName, JobsOptions>>;
  logger?: Logger;
  /** Where `env:` secret references are looked up; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export interface RunningWorkers {
  producer: JobProducer;
  /** Lets running jobs finish (worker.close()), then closes Redis and the database pool. */
  stop(): Promise<void>;
}

const DEFAULT_CONCURRENCY: Record<QueueName, number> = {
  [QueueName.Mailbox]: 8,
  [QueueName.QuotaSync]: 4,
  // one check at a time: it checks every backend in parallel and keeps a failure counter
  [QueueName.BackendHealth]: 1,
  [QueueName.Move]: 2,
  [QueueName.Rebalance]: 1,
  [QueueName.Relay]: 1,
};

const DEFAULT_SETTINGS: WorkerSettings = {
  healthDownAfterFailures: 3,
  healthImap: {
    timeouts: { connectionTimeoutMs: 5_000, greetingTimeoutMs: 5_000, socketTimeoutMs: 10_000 },
  },
  quotaSyncBatchSize: 1000,
  quotaSyncConnections: 3,
  mailboxMoveWaitMs: 30_000,
  reconcileGraceMs: 120_000,
  reconcileBatchSize: 500,
};

/** Starts BullMQ workers for Roost's queues in this process (used by main.ts and by tests). */
export async function startWorkers(options: StartWorkersOptions): Promise<RunningWorkers> {
  const log = options.logger ?? consoleLogger;
  const queues = options.queues ?? REGISTERED_QUEUES;
  const handlers = handlersFor(queues); // fails here when a job has no handler
  const concurrency = (q: QueueName) => options.concurrency?.[q] ?? DEFAULT_CONCURRENCY[q];

  // A mailbox job holds one pooled connection for its lock and uses another for its queries.
  const poolSize = queues.reduce(
    (sum, q) => sum + (q === QueueName.Mailbox ? 2 : 1) * concurrency(q),
    4,
  );
  const db = createDataSource(options.databaseUrl, poolSize);
  await db.initialize();
  const connection = createRedisConnection(options.redisUrl);
  const producer = new JobProducer(connection, options.prefix, options.jobOptions);
  const imap = { timeouts: options.imapTimeouts };
  const adminPool = new AdminSessionPool(imap);
  const workers: Worker[] = [];
  const shutdown = async () => {
    await Promise.all(workers.map((w) => w.close())); // lets running jobs finish
    await adminPool.close();
    await producer.close();
    await connection.quit().catch(() => connection.disconnect());
    if (db.isInitialized) await db.destroy();
  };

  try {
    await connection.ping();
    const ctx: WorkerContext = {
      db,
      mailboxes: new MailboxJobRepository(db),
      quotaSync: new QuotaSyncRepository(db),
      health: new BackendHealthRepository(db),
      producer,
      adminPool,
      log,
      env: options.env ?? process.env,
      imap,
      settings: { ...DEFAULT_SETTINGS, ...options.settings },
    };

    for (const [queue, queueHandlers] of handlers) {
      const worker = new Worker(queue, createProcessor(queue, queueHandlers, ctx), {
        connection,
        prefix: options.prefix,
        concurrency: concurrency(queue),
        // fallbacks for jobs added without options; failed jobs stay for inspection
        removeOnComplete: { count: 1000, age: 24 * 3600 },
      });
      worker.on('failed', (job, err) => {
        log.warn('job failed', {
          queue,
          name: job?.name,
          job: job?.id,
          attempt: job?.attemptsMade,
          error: err.message,
        });
      });
      worker.on('error', (err) => log.error('worker error', { queue, error: err.message }));
      workers.push(worker);
    }
    if (options.schedules) await applySchedules(producer, options.schedules);
    log.info('workers started', { queues, prefix: options.prefix });
  } catch (err) {
    await shutdown();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    producer,
    stop: () => (stopping ??= shutdown()),
  };
}
