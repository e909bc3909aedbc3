import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import {
  DEFAULT_FOLDERS,
  JobName,
  QueueName,
  TlsMode,
  cyrusMailboxName,
  jobIdFor,
} from '@roost/core';
import { CyrusBackendConfig, CyrusAdminSession, openAdmin, withUser } from '@roost/imap';
import {
  JobProducer,
  createRedisConnection,
  quietLogger,
  startWorkers,
  storageKiBFor,
} from '@roost/workers';
import {
  type BenchContext,
  type BenchResult,
  type Benchmark,
  type Metric,
  numberOption,
  timed,
} from './benchmark';
import type { BenchDatabase } from './database';

/**
 * Issue 4, "Done when": create 2,000 mailboxes on one backend through the queue and report
 * mailboxes/s, beside the same IMAP commands sent one after another by a plain script in the
 * same run. The queue must not be slower.
 *
 * Per mailbox both do: CREATE INBOX, CREATE x5 with special-use, GETQUOTA + SETQUOTA as the
 * admin, then as the owner (proxy auth) LSUB + SUBSCRIBE x6, and the UPDATE to `active`.
 * The plain script keeps one admin connection for the whole run; each queue job opens its own.
 */
const QUOTA_BYTES = 1024 ** 3;

/** What the benchmarks use of the test harness (test/src/harness/cyrus.ts, redis.ts). */
interface BenchCyrus {
  name: string;
  host: string;
  imapPort: number;
  lmtpPort: number;
  adminUser: string;
  adminPassword: string;
  stop(): Promise<void>;
}
interface Harness {
  startCyrus: (opts: { name: string; rootDir: string }) => Promise<BenchCyrus>;
  startRedis: () => Promise<{ url: string; stop(): Promise<void> }>;
}

/**
 * The harness comes through @roost/test's entry point, loaded when a benchmark runs, so that
 * building bench/ does not depend on how the test package is laid out.
 */
async function harness(): Promise<Harness> {
  const mod = (await import('@roost/test')) as Partial<Harness>;
  if (typeof mod.startCyrus !== 'function' || typeof mod.startRedis !== 'function') {
    throw new Error(
      'these benchmarks need @roost/test to export startCyrus and startRedis ' +
        "(test/src/index.ts: export * from './harness/cyrus'; export * from './harness/redis';)",
    );
  }
  return mod as Harness;
}

export interface BenchBackend {
  cyrus: BenchCyrus;
  config: CyrusBackendConfig;
  secret: string;
  id: number;
}

export interface BenchFleet {
  backends: BenchBackend[];
  domainId: number;
  db: BenchDatabase;
  pool: Pool;
  redisUrl: string;
  stop(): Promise<void>;
}

/** `count` fresh Cyrus backends, a migrated database with their rows, and Redis. */
export async function startBenchFleet(
  ctx: BenchContext,
  label: string,
  count = 1,
): Promise<BenchFleet> {
  const rootDir = await mkdtemp(path.join(tmpdir(), `roost-bench-${label}-`));
  await chmod(rootDir, 0o755); // Cyrus runs as user cyrus and must get through it
  const cleanups: (() => Promise<unknown>)[] = [
    () => rm(rootDir, { recursive: true, force: true }),
  ];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const { startCyrus, startRedis } = await harness();
    const db = await ctx.createDatabase();
    const pool = new Pool({ connectionString: db.url, max: 4 });
    cleanups.push(() => pool.end());
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const backends: BenchBackend[] = [];
    for (let n = 1; n <= count; n++) {
      const cyrus = await startCyrus({ name: `bench-${label}-${n}`, rootDir });
      cleanups.push(() => cyrus.stop());
      const secretEnv = `ROOST_BENCH_${label.toUpperCase().replace(/\W/g, '_')}_${n}_PW`;
      process.env[secretEnv] = cyrus.adminPassword;
      const { rows } = await pool.query<{ id: number }>(
        `INSERT INTO backends (name, imap_host, imap_port, lmtp_host, lmtp_port, admin_user,
                               admin_secret_ref, tls_mode, capacity_bytes, capacity_mailboxes)
         VALUES ($1, $2, $3, $2, $4, $5, $6, 'none', 1000000000000000, 10000000) RETURNING id`,
        [
          cyrus.name,
          cyrus.host,
          cyrus.imapPort,
          cyrus.lmtpPort,
          cyrus.adminUser,
          `env:${secretEnv}`,
        ],
      );
      const config: CyrusBackendConfig = {
        name: cyrus.name,
        imapHost: cyrus.host,
        imapPort: cyrus.imapPort,
        tlsMode: TlsMode.None,
        tlsVerify: true,
        adminUser: cyrus.adminUser,
      };
      backends.push({ cyrus, config, secret: cyrus.adminPassword, id: rows[0].id });
    }
    const domain = await pool.query<{ id: number }>(
      `INSERT INTO domains (name) VALUES ('bench.example') RETURNING id`,
    );
    return { backends, domainId: domain.rows[0].id, db, pool, redisUrl: redis.url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Inserts `count` mailboxes `<prefix>-000001@bench.example`...; returns their ids in order. */
export async function insertBenchMailboxes(
  fleet: BenchFleet,
  backend: BenchBackend,
  prefix: string,
  count: number,
  state: 'provisioning' | 'active',
): Promise<number[]> {
  const { rows } = await fleet.pool.query<{ id: string }>(
    `INSERT INTO mailboxes (domain_id, local_part, address, password_hash, quota_bytes, backend_id, state)
     SELECT $1, l, l || '@bench.example', '!', $2, $3, $4
       FROM (SELECT $5 || '-' || lpad(i::text, 6, '0') AS l FROM generate_series(1, $6) AS i) s
     RETURNING id`,
    [fleet.domainId, QUOTA_BYTES, backend.id, state, prefix, count],
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** What the create job sends for one mailbox, one command after another. */
async function provisionPlainly(
  admin: CyrusAdminSession,
  fleet: BenchFleet,
  backend: BenchBackend,
  id: number,
  address: string,
) {
  await admin.ensureMailbox(cyrusMailboxName(address));
  for (const folder of DEFAULT_FOLDERS) {
    await admin.ensureMailbox(cyrusMailboxName(address, folder.name), folder.specialUse);
  }
  const kib = storageKiBFor(QUOTA_BYTES);
  const quota = await admin.getQuota(cyrusMailboxName(address));
  if (quota?.STORAGE?.limit !== kib) await admin.setQuota(cyrusMailboxName(address), kib);
  await withUser(backend.config, backend.secret, address, async (user) => {
    const subscribed = new Set(await user.subscriptions());
    for (const name of ['INBOX', ...DEFAULT_FOLDERS.map((f) => f.name)]) {
      if (!subscribed.has(name)) await user.subscribe(name);
    }
  });
  await fleet.pool.query(
    `UPDATE mailboxes SET state = 'active', updated_at = now() WHERE id = $1`,
    [id],
  );
}

const addressOf = (prefix: string, n: number) =>
  `${prefix}-${String(n).padStart(6, '0')}@bench.example`;

async function countActive(fleet: BenchFleet, prefix: string): Promise<number> {
  const { rows } = await fleet.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM mailboxes WHERE state = 'active' AND local_part LIKE $1 || '-%'`,
    [prefix],
  );
  return Number(rows[0].n);
}

/** Every mailbox of the run has its INBOX and five folders, and the quota; checks a sample. */
async function checkSample(
  ctx: BenchContext,
  backend: BenchBackend,
  prefix: string,
  count: number,
): Promise<void> {
  const admin = await openAdmin(backend.config, backend.secret);
  try {
    for (const n of [1, Math.ceil(count / 2), count]) {
      const address = addressOf(prefix, n);
      const tree = await admin.listUserMailboxes(address);
      if (tree.length !== 1 + DEFAULT_FOLDERS.length) {
        ctx.fail(`${address} has ${tree.length} folders`);
      }
      const quota = await admin.getQuota(cyrusMailboxName(address));
      if (quota?.STORAGE?.limit !== storageKiBFor(QUOTA_BYTES)) ctx.fail(`${address} has no quota`);
    }
  } finally {
    await admin.close();
  }
}

/** The plain script: one admin connection, one mailbox after the other. */
async function runPlain(
  ctx: BenchContext,
  fleet: BenchFleet,
  backend: BenchBackend,
  count: number,
) {
  const ids = await insertBenchMailboxes(fleet, backend, 'plain', count, 'provisioning');
  return timed(ctx.progress, `plain script, ${count} mailboxes`, async () => {
    const admin = await openAdmin(backend.config, backend.secret);
    try {
      for (let i = 0; i < ids.length; i++) {
        await provisionPlainly(admin, fleet, backend, ids[i], addressOf('plain', i + 1));
        if ((i + 1) % 500 === 0) ctx.progress(`plain script: ${i + 1}/${count}`);
      }
    } finally {
      await admin.close();
    }
  });
}

/** The queue: the real workers, a mailbox-create job for every mailbox. */
async function runQueue(
  ctx: BenchContext,
  fleet: BenchFleet,
  backend: BenchBackend,
  count: number,
  concurrency: number,
) {
  const ids = await insertBenchMailboxes(fleet, backend, 'queue', count, 'provisioning');
  const prefix = `roost-bench-provision-${process.pid}`;
  const workers = await startWorkers({
    databaseUrl: fleet.db.url,
    redisUrl: fleet.redisUrl,
    prefix,
    queues: [QueueName.Mailbox],
    concurrency: { [QueueName.Mailbox]: concurrency },
    schedules: false,
    logger: quietLogger,
  });
  const connection = createRedisConnection(fleet.redisUrl);
  const producer = new JobProducer(connection, prefix);
  const queue = producer.queue(QueueName.Mailbox);
  try {
    return await timed(
      ctx.progress,
      `queue, ${count} mailboxes, ${concurrency} at a time`,
      async () => {
        await queue.addBulk(
          ids.map((mailboxId) => ({
            name: JobName.MailboxCreate,
            data: { mailboxId },
            opts: {
              ...producer.jobOptions(QueueName.Mailbox),
              jobId: jobIdFor(JobName.MailboxCreate, { mailboxId }),
            },
          })),
        );
        for (let done = 0, reported = 0; done < count;) {
          await sleep(200);
          done = await countActive(fleet, 'queue');
          const failed = await queue.getFailedCount();
          if (failed > 0) throw new Error(`${failed} create jobs failed`);
          if (done - reported >= 500) ctx.progress(`queue: ${(reported = done)}/${count}`);
        }
      },
    );
  } finally {
    await workers.stop();
    await queue.obliterate({ force: true });
    await producer.close();
    await connection.quit();
  }
}

export const provisionBenchmark: Benchmark = {
  name: 'provision',
  description:
    'create mailboxes on one Cyrus backend through the mailbox queue vs a plain sequential script',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const count = numberOption(ctx, 'mailboxes', 2000);
    const concurrency = numberOption(ctx, 'concurrency', 8);
    // one fresh backend each, so neither run works on the other's fuller mailboxes.db
    const fleet = await startBenchFleet(ctx, 'provision', 2);
    try {
      const [plainBackend, queueBackend] = fleet.backends;
      const plain = await runPlain(ctx, fleet, plainBackend, count);
      if ((await countActive(fleet, 'plain')) !== count) {
        ctx.fail('the plain script left mailboxes behind');
      }
      await checkSample(ctx, plainBackend, 'plain', count);
      const queued = await runQueue(ctx, fleet, queueBackend, count, concurrency);
      await checkSample(ctx, queueBackend, 'queue', count);

      const plainRate = count / (plain.ms / 1000);
      const queueRate = count / (queued.ms / 1000);
      const ratio = queueRate / plainRate;
      if (ratio < 1) {
        ctx.fail(
          `the queue (${queueRate.toFixed(2)}/s) is slower than the plain script (${plainRate.toFixed(2)}/s)`,
        );
      }
      const metrics: Metric[] = [
        {
          label: `queue, ${concurrency} jobs at a time`,
          value: queueRate,
          unit: 'mailboxes/s',
          baseline: plainRate,
        },
        { label: 'plain script, one command at a time', value: plainRate, unit: 'mailboxes/s' },
        { label: 'queue / plain script', value: ratio, unit: 'x' },
      ];
      return {
        name: 'provision',
        metrics,
        notes: [
          `${count} mailboxes each way, each way on its own fresh Cyrus 3.6 backend on loopback`,
          'per mailbox: 6 CREATE (5 with USE), GETQUOTA, SETQUOTA as the admin; as the owner (proxy auth) a login, LSUB, 6 SUBSCRIBE; one UPDATE',
          'the plain script keeps one admin connection; the workers keep admin sessions between jobs; both log in as each owner',
          'baseline = the plain script in the same run',
        ],
        details: { count, concurrency, plainMs: plain.ms, queueMs: queued.ms },
      };
    } finally {
      await fleet.stop();
    }
  },
};
