import { setTimeout as sleep } from 'node:timers/promises';
import { JobName, QueueName, cyrusMailboxName } from '@roost/core';
import { CyrusAdminSession, openAdmin, withUser } from '@roost/imap';
import { JobProducer, createRedisConnection, quietLogger, startWorkers } from '@roost/workers';
import {
  type BenchContext,
  type BenchResult,
  type Benchmark,
  numberOption,
  timed,
} from './benchmark';
import {
  type BenchBackend,
  type BenchFleet,
  insertBenchMailboxes,
  startBenchFleet,
} from './provision.bench';

/**
 * Issue 4, "Done when": quota-sync 10,000 mailboxes on one backend; report mailboxes/s.
 * Runs the real quota-sync-backend job twice: with one admin connection, and with several
 * (the default), which is the figure reported.
 */
const USED_EVERY = 500; // every 500th mailbox gets a message, so there is usage to find
const MESSAGE = `From: bench@example.net\r\nSubject: usage\r\n\r\n${'x'.repeat(20 * 1024)}\r\n`;

async function createOnBackend(ctx: BenchContext, backend: BenchBackend, count: number) {
  const addresses = Array.from(
    { length: count },
    (_, i) => `sync-${String(i + 1).padStart(6, '0')}@bench.example`,
  );
  const sessions: CyrusAdminSession[] = [];
  try {
    for (let i = 0; i < 4; i++) sessions.push(await openAdmin(backend.config, backend.secret));
    let done = 0;
    await Promise.all(
      sessions.map(async (admin, offset) => {
        for (let i = offset; i < addresses.length; i += sessions.length) {
          await admin.ensureMailbox(cyrusMailboxName(addresses[i]));
          await admin.setQuota(cyrusMailboxName(addresses[i]), 1024 * 1024);
          if (++done % 2000 === 0) ctx.progress(`created ${done}/${count} on the backend`);
        }
      }),
    );
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
  for (let i = USED_EVERY; i <= count; i += USED_EVERY) {
    await withUser(backend.config, backend.secret, addresses[i - 1], (user) =>
      user.append('INBOX', MESSAGE),
    );
  }
}

async function syncOnce(
  fleet: BenchFleet,
  backend: BenchBackend,
  connections: number,
  run: string,
): Promise<number> {
  const prefix = `roost-bench-quota-${process.pid}-${run}`;
  const workers = await startWorkers({
    databaseUrl: fleet.db.url,
    redisUrl: fleet.redisUrl,
    prefix,
    queues: [QueueName.QuotaSync],
    schedules: false,
    settings: { quotaSyncConnections: connections },
    logger: quietLogger,
  });
  const connection = createRedisConnection(fleet.redisUrl);
  const producer = new JobProducer(connection, prefix, { [QueueName.QuotaSync]: { attempts: 1 } });
  try {
    const started = performance.now();
    const job = await producer.add(
      JobName.QuotaSyncBackend,
      { backendId: backend.id },
      { version: run },
    );
    for (;;) {
      await sleep(50);
      const state = await job.getState();
      if (state === 'completed') break;
      if (state === 'failed') {
        const failed = await producer.queue(QueueName.QuotaSync).getJob(job.id!);
        throw new Error(`quota-sync failed: ${failed?.failedReason}`);
      }
    }
    return performance.now() - started;
  } finally {
    await workers.stop();
    await producer.queue(QueueName.QuotaSync).obliterate({ force: true });
    await producer.close();
    await connection.quit();
  }
}

export const quotaSyncBenchmark: Benchmark = {
  name: 'quota-sync',
  description:
    'quota-sync of the mailboxes of one Cyrus backend (GETQUOTA per mailbox, batched UPDATEs)',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const count = numberOption(ctx, 'mailboxes', 10_000);
    const connections = numberOption(ctx, 'connections', 3);
    const fleet = await startBenchFleet(ctx, 'quota');
    const [backend] = fleet.backends;
    try {
      await timed(ctx.progress, `create ${count} mailboxes on the backend`, () =>
        createOnBackend(ctx, backend, count),
      );
      await insertBenchMailboxes(fleet, backend, 'sync', count, 'active');

      const single = await timed(ctx.progress, 'quota-sync, 1 connection', () =>
        syncOnce(fleet, backend, 1, 'one'),
      );
      await fleet.pool.query('UPDATE mailboxes SET used_bytes = 0, used_synced_at = NULL');
      const several = await timed(ctx.progress, `quota-sync, ${connections} connections`, () =>
        syncOnce(fleet, backend, connections, 'several'),
      );

      const { rows } = await fleet.pool.query<{ synced: string; used: string }>(
        `SELECT count(used_synced_at) AS synced, count(*) FILTER (WHERE used_bytes > 0) AS used FROM mailboxes`,
      );
      if (Number(rows[0].synced) !== count)
        ctx.fail(`only ${rows[0].synced} of ${count} mailboxes synced`);
      const expectUsed = Math.floor(count / USED_EVERY);
      if (Number(rows[0].used) !== expectUsed)
        ctx.fail(`${rows[0].used} mailboxes with usage, expected ${expectUsed}`);

      const rate = count / (several.value / 1000);
      const rateSingle = count / (single.value / 1000);
      return {
        name: 'quota-sync',
        metrics: [
          {
            label: `quota-sync, ${connections} admin connections`,
            value: rate,
            unit: 'mailboxes/s',
            baseline: rateSingle,
          },
          { label: 'quota-sync, 1 admin connection', value: rateSingle, unit: 'mailboxes/s' },
        ],
        notes: [
          `${count} mailboxes on one Cyrus 3.6 backend on loopback; one GETQUOTA per mailbox, one UPDATE per page of 1000`,
          'time from adding the quota-sync-backend job to its completion (workers already running)',
          'baseline = the same job with one admin connection',
        ],
        details: { count, connections, singleMs: single.value, severalMs: several.value },
      };
    } finally {
      await fleet.stop();
    }
  },
};
