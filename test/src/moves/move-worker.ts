import { JobName, QueueName, jobIdFor } from '@roost/core';
import { createDataSource } from '@roost/db';
import { moves } from '@roost/workers';
import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

// The move queue's processor in a BullMQ worker of its own, for the move tests: in this process,
// or in a child process (move-worker.entry.ts) that a test can SIGKILL. Jobs get short lock and
// stall timings so that a killed worker's job is taken over within seconds.

export interface MoveWorkerOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  settings?: Partial<moves.MoveSettings>;
  /** Prints the move's log lines (default: warnings and errors only). */
  verbose?: boolean;
}

export interface MoveWorkerHandle {
  stop(): Promise<void>;
}

export const MOVE_JOB_ATTEMPTS = 6;
export const LOCK_DURATION_MS = 10_000;

const noop = () => undefined;

/** Adds a MoveRun job the way the API does (deterministic id; `version` for a fresh one). */
export async function enqueueMove(
  queue: Queue,
  moveId: number,
  version?: string | number,
): Promise<void> {
  await queue.add(
    JobName.MoveRun,
    { moveId },
    {
      jobId: jobIdFor(JobName.MoveRun, { moveId }, version),
      attempts: MOVE_JOB_ATTEMPTS,
      backoff: { type: 'fixed', delay: 500 },
      removeOnComplete: false,
      removeOnFail: false,
    },
  );
}

export function moveQueue(
  redisUrl: string,
  prefix: string,
): { queue: Queue; close(): Promise<void> } {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.Move, { connection, prefix });
  return {
    queue,
    close: async () => {
      await queue.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

export async function startMoveWorker(opts: MoveWorkerOptions): Promise<MoveWorkerHandle> {
  const db = createDataSource(opts.databaseUrl, 6);
  await db.initialize();
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const producerQueue = new Queue(QueueName.Move, { connection, prefix: opts.prefix });
  const print =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      console.log(JSON.stringify({ at: new Date().toISOString(), level, message, ...fields }));
    };
  const log = {
    info: opts.verbose ? print('info') : noop,
    warn: print('warn'),
    error: print('error'),
  };
  const ctx = {
    db,
    log,
    env: process.env,
    producer: {
      add: async (
        name: JobName,
        payload: { moveId: number },
        options: { delayMs?: number; version?: string | number } = {},
      ) => {
        await producerQueue.add(name, payload, {
          jobId: jobIdFor(name as JobName.MoveRun, payload, options.version),
          delay: options.delayMs,
          attempts: MOVE_JOB_ATTEMPTS,
          backoff: { type: 'fixed', delay: 500 },
        });
      },
    },
  };
  // the next attempt after a failure comes quickly in tests
  const handlers = moves.createMoveHandlers({ retryDelayMs: 500, ...opts.settings });
  const worker = new Worker(
    QueueName.Move,
    async (job: Job<{ moveId: number }>) => {
      const handler = handlers[job.name as JobName.MoveRun | JobName.MoveClean];
      try {
        return await handler.run(job.data, ctx, job);
      } catch (err) {
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (last && 'onGiveUp' in handler && handler.onGiveUp) {
          await handler.onGiveUp(job.data, (err as Error).message, ctx);
        }
        throw err;
      }
    },
    {
      connection,
      prefix: opts.prefix,
      concurrency: 2,
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: 1_000,
      maxStalledCount: 5,
    },
  );
  worker.on('error', noop);
  return {
    stop: async () => {
      await worker.close();
      await producerQueue.close();
      await connection.quit().catch(() => connection.disconnect());
      await db.destroy();
    },
  };
}
