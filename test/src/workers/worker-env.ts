import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { JobName, JobPayloads, QUEUE_OF, QueueName } from '@roost/core';
import {
  JobProducer,
  RunningWorkers,
  StartWorkersOptions,
  createRedisConnection,
  quietLogger,
  startWorkers,
} from '@roost/workers';
import { Job, JobsOptions } from 'bullmq';
import { CyrusInstance, startCyrus, stopAllCyrus } from '../harness/cyrus';
import { TestDatabase, createTestDatabase } from '../harness/database';
import { TestRedis, startRedis } from '../harness/redis';
import { insertDomain } from '../factories/routing-fixtures';
import { insertCyrusBackend } from '../factories/worker-fixtures';

// Everything a worker e2e test needs: two real Cyrus backends, a migrated database, Redis with
// a queue prefix of its own, the real workers running in this process, and a producer.

/** Quick retries so a test sees several attempts in seconds. */
export const FAST_RETRY: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 250 },
};

export interface WorkerEnv {
  b1: CyrusInstance;
  b2: CyrusInstance;
  backend1: number;
  backend2: number;
  domainId: number;
  db: TestDatabase;
  pool: Pool;
  redis: TestRedis;
  prefix: string;
  workers: RunningWorkers;
  producer: JobProducer;
  /** Adds a job and waits until it completed or failed for good. */
  run<J extends JobName>(name: J, payload: JobPayloads[J], version: string): Promise<FinishedJob>;
  teardown(): Promise<void>;
}

export interface FinishedJob {
  state: 'completed' | 'failed';
  returnvalue: unknown;
  failedReason: string | undefined;
  attemptsMade: number;
}

export interface WorkerEnvOptions {
  label: string;
  controlCommand?: (instance: CyrusInstance) => string[];
  workers?: Partial<StartWorkersOptions>;
}

export async function startWorkerEnv(opts: WorkerEnvOptions): Promise<WorkerEnv> {
  const rootDir = await mkdtemp(path.join(tmpdir(), `roost-${opts.label}-`));
  await chmod(rootDir, 0o755); // Cyrus runs as user cyrus and must get through it
  const cleanups: (() => Promise<unknown>)[] = [
    () => rm(rootDir, { recursive: true, force: true }),
  ];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((err) => console.error('teardown:', err));
  };
  try {
    cleanups.push(() => stopAllCyrus());
    // both settle before a failure is thrown, so teardown never races a half-started instance
    const started = await Promise.allSettled([
      startCyrus({ name: `${opts.label}-b1`, rootDir }),
      startCyrus({ name: `${opts.label}-b2`, rootDir }),
    ]);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [b1, b2] = started.map((r) => (r as PromiseFulfilledResult<CyrusInstance>).value);
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const pool = new Pool({ connectionString: db.url, max: 4 });
    cleanups.push(() => pool.end());
    const redis = await startRedis();
    cleanups.push(() => redis.stop());

    const tag = `${opts.label.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${process.pid}`;
    const backend1 = await insertCyrusBackend(pool, b1, {
      secretEnv: `ROOST_TEST_${tag}_B1_PW`,
      controlCommand: opts.controlCommand?.(b1),
    });
    const backend2 = await insertCyrusBackend(pool, b2, {
      secretEnv: `ROOST_TEST_${tag}_B2_PW`,
      controlCommand: opts.controlCommand?.(b2),
    });
    const domainId = await insertDomain(pool, { name: 'example.com' });

    const prefix = `roost-test-${opts.label}-${randomBytes(4).toString('hex')}`;
    const connection = createRedisConnection(redis.url);
    const producer = new JobProducer(connection, prefix, { [QueueName.Mailbox]: FAST_RETRY });
    cleanups.push(async () => {
      for (const name of Object.values(QueueName)) {
        await producer.queue(name).obliterate({ force: true });
      }
      await producer.close();
      await connection.quit();
    });
    const workers = await startWorkers({
      databaseUrl: db.url,
      redisUrl: redis.url,
      prefix,
      schedules: false,
      logger: quietLogger,
      imapTimeouts: {
        connectionTimeoutMs: 2_000,
        greetingTimeoutMs: 2_000,
        socketTimeoutMs: 15_000,
      },
      jobOptions: { [QueueName.QuotaSync]: { attempts: 1 } },
      ...opts.workers,
    });
    cleanups.push(() => workers.stop());

    const run = async <J extends JobName>(name: J, payload: JobPayloads[J], version: string) => {
      const job = await producer.add(name, payload, { version });
      return waitForJob(producer, QUEUE_OF[name], job.id!);
    };
    return {
      b1,
      b2,
      backend1,
      backend2,
      domainId,
      db,
      pool,
      redis,
      prefix,
      workers,
      producer,
      run,
      teardown,
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

/** Polls until the job completed or failed for good (a job waiting for a retry is neither). */
export async function waitForJob(
  producer: JobProducer,
  queue: QueueName,
  jobId: string,
  timeoutMs = 60_000,
): Promise<FinishedJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await producer.queue(queue).getJobState(jobId);
    if (state === 'completed' || state === 'failed') {
      // read the job after its state: a copy read before could predate its return value
      const job = await Job.fromId(producer.queue(queue), jobId);
      if (!job) throw new Error(`job ${jobId} is gone`);
      return {
        state,
        returnvalue: job.returnvalue,
        failedReason: job.failedReason,
        attemptsMade: job.attemptsMade,
      };
    }
    if (state === 'unknown') throw new Error(`job ${jobId} is gone`);
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Polls until `check` returns true. */
export async function eventually(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
