import type { INestApplication } from '@nestjs/common';
import { createApp, hashPassword } from '@roost/api';
import { JobName, QUEUE_OF, Role } from '@roost/core';
import { Job, Queue } from 'bullmq';
import Redis from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { Server } from 'node:http';
import request from 'supertest';
import { createTestDatabase, TestDatabase } from '../harness/database';
import { startRedis, TestRedis } from '../harness/redis';

/** The real API in-process, on a fresh migrated database, with its own BullMQ prefix. */
export interface ApiFixture {
  app: INestApplication;
  server: Server;
  db: TestDatabase;
  pg: Pool;
  redis: TestRedis;
  prefix: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startApi(env: Record<string, string> = {}): Promise<ApiFixture> {
  const db = await createTestDatabase({ prefix: 'roost_api' });
  const redis = await startRedis();
  const prefix = `roost-test-${randomBytes(4).toString('hex')}`;
  const fullEnv = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    ROOST_QUEUE_PREFIX: prefix,
    ROOST_PUBLIC_URL: 'https://console.test',
    ROOST_SECRET_KEY: randomBytes(32).toString('base64'),
    ...env,
  };
  let app: INestApplication;
  try {
    app = await createApp(fullEnv, { logger: ['error', 'warn'] });
  } catch (err) {
    // Leave no database behind when the app cannot start.
    await db.drop();
    await redis.stop();
    throw err;
  }
  const pg = new Pool({ connectionString: db.url, max: 3 });
  return {
    app,
    server: app.getHttpServer() as Server,
    db,
    pg,
    redis,
    prefix,
    env: fullEnv,
    async close() {
      await app.close();
      await pg.end();
      await clearPrefix(redis.url, prefix);
      await db.drop();
      await redis.stop();
    },
  };
}

async function clearPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export interface SeededAdmin {
  id: number;
  username: string;
  password: string;
  role: Role;
  /** A personal API token: `Authorization: Bearer <token>`. */
  token: string;
}

let seq = 0;

export async function seedAdmin(
  pg: Pool,
  opts: {
    role: Role;
    username?: string;
    domainIds?: number[];
    password?: string;
    totpRequired?: boolean;
  },
): Promise<SeededAdmin> {
  const username = opts.username ?? `${opts.role}-${++seq}`;
  const password = opts.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const { rows } = await pg.query<{ id: number }>(
    `INSERT INTO admins (username, password_hash, role, totp_required) VALUES ($1, $2, $3, $4) RETURNING id`,
    [username, await hashPassword(password), opts.role, opts.totpRequired ?? false],
  );
  const id = Number(rows[0].id);
  for (const d of opts.domainIds ?? [])
    await pg.query(`INSERT INTO admin_domains (admin_id, domain_id) VALUES ($1, $2)`, [id, d]);
  const token = `rt_${randomBytes(32).toString('base64url')}`;
  await pg.query(
    `INSERT INTO admin_credentials (admin_id, kind, name, secret_hash, prefix) VALUES ($1, 'api-token', 'fixture', $2, $3)`,
    [id, createHash('sha256').update(token).digest('hex'), token.slice(0, 10)],
  );
  return { id, username, password, role: opts.role, token };
}

export async function seedBackend(
  pg: Pool,
  opts: { name?: string; state?: string; weight?: number; capacityMailboxes?: number } = {},
): Promise<number> {
  const { rows } = await pg.query<{ id: number }>(
    `INSERT INTO backends (name, imap_host, imap_port, lmtp_host, lmtp_port, admin_secret_ref, capacity_bytes,
                           capacity_mailboxes, state, weight, health)
     VALUES ($1, '127.0.0.1', 143, '127.0.0.1', 24, 'env:CYRUS_PASSWORD', 1099511627776, $2, $3, $4, 'up') RETURNING id`,
    [
      opts.name ?? `backend-${++seq}`,
      opts.capacityMailboxes ?? 100000,
      opts.state ?? 'active',
      opts.weight ?? 100,
    ],
  );
  return Number(rows[0].id);
}

export async function seedDomain(
  pg: Pool,
  opts: {
    name: string;
    maxMailboxes?: number | null;
    maxAliases?: number | null;
    maxQuotaBytes?: number | null;
    totalQuotaBytes?: number | null;
    defaultQuotaBytes?: number;
  },
): Promise<number> {
  const { rows } = await pg.query<{ id: number }>(
    `INSERT INTO domains (name, max_mailboxes, max_aliases, max_quota_bytes, total_quota_bytes, default_quota_bytes)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      opts.name,
      opts.maxMailboxes ?? null,
      opts.maxAliases ?? null,
      opts.maxQuotaBytes ?? null,
      opts.totalQuotaBytes ?? null,
      opts.defaultQuotaBytes ?? 1073741824,
    ],
  );
  return Number(rows[0].id);
}

/** A mailbox row straight in the database (state active unless given). */
export async function seedMailbox(
  pg: Pool,
  opts: {
    domainId: number;
    address: string;
    backendId: number;
    state?: string;
    quotaBytes?: number;
    usedBytes?: number;
    passwordHash?: string;
    displayName?: string;
  },
): Promise<number> {
  const local = opts.address.slice(0, opts.address.lastIndexOf('@'));
  const { rows } = await pg.query<{ id: number }>(
    `INSERT INTO mailboxes (domain_id, local_part, address, password_hash, quota_bytes, used_bytes, backend_id, state, display_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      opts.domainId,
      local,
      opts.address,
      opts.passwordHash ?? '{SSHA}invalidinvalidinvalidinvalid',
      opts.quotaBytes ?? 1073741824,
      opts.usedBytes ?? 0,
      opts.backendId,
      opts.state ?? 'active',
      opts.displayName ?? '',
    ],
  );
  return Number(rows[0].id);
}

export async function seedAlias(
  pg: Pool,
  opts: { domainId: number; address: string; targets: string[] },
): Promise<number> {
  const local = opts.address.startsWith('@')
    ? ''
    : opts.address.slice(0, opts.address.lastIndexOf('@'));
  const { rows } = await pg.query<{ id: number }>(
    `INSERT INTO aliases (domain_id, local_part, address, targets) VALUES ($1, $2, $3, $4) RETURNING id`,
    [opts.domainId, local, opts.address, opts.targets],
  );
  return Number(rows[0].id);
}

/** A supertest request with the admin's bearer token. */
export function as(f: ApiFixture, admin: SeededAdmin | null) {
  const agent = request(f.server);
  const auth = (t: request.Test) => (admin ? t.set('Authorization', `Bearer ${admin.token}`) : t);
  return {
    get: (url: string) => auth(agent.get(url)),
    post: (url: string) => auth(agent.post(url)),
    put: (url: string) => auth(agent.put(url)),
    delete: (url: string) => auth(agent.delete(url)),
  };
}

/** ra-data-simple-rest query string. */
export function listQuery(opts: {
  sort?: [string, string];
  range?: [number, number];
  filter?: object;
}): string {
  const p = new URLSearchParams();
  if (opts.sort) p.set('sort', JSON.stringify(opts.sort));
  if (opts.range) p.set('range', JSON.stringify(opts.range));
  if (opts.filter) p.set('filter', JSON.stringify(opts.filter));
  return p.toString();
}

/**
 * A digest of every row of the tables the API writes, to prove a request changed nothing.
 * Volatile columns that a read may touch (credential last use, session expiry) are left out.
 */
export async function tablesChecksum(pg: Pool): Promise<string> {
  const tables: [string, string][] = [
    ['domains', 'id'],
    ['alias_domains', 'id'],
    ['mailboxes', 'id'],
    ['aliases', 'id'],
    ['backends', 'id'],
    ['admins', 'id'],
    ['admin_domains', 'admin_id, domain_id'],
    ['admin_credentials', 'id'],
    ['password_resets', 'id'],
    ['audit_events', 'id'],
  ];
  const h = createHash('sha256');
  for (const [table, order] of tables) {
    const cols =
      table === 'admin_credentials'
        ? 'id, admin_id, kind, name, secret_hash, revoked_at'
        : table === 'admins'
          ? 'id, username, password_hash, role, totp_secret, totp_required, active'
          : '*';
    const { rows } = await pg.query(`SELECT ${cols} FROM ${table} ORDER BY ${order}`);
    h.update(`${table}:${JSON.stringify(rows)}\n`);
  }
  return h.digest('hex');
}

/** The queue a job goes to, read with a plain BullMQ Queue. */
export function queueFor(f: ApiFixture, name: JobName): Queue {
  return new Queue(QUEUE_OF[name], { connection: { url: f.redis.url }, prefix: f.prefix });
}

export interface FoundJob {
  id: string;
  name: string;
  data: unknown;
  opts: Job['opts'];
  state: string;
}

/** The job with this id, read with a plain BullMQ Queue (closed again before returning). */
export async function findJob(
  f: ApiFixture,
  name: JobName,
  jobId: string,
): Promise<FoundJob | undefined> {
  const q = queueFor(f, name);
  try {
    const job = await q.getJob(jobId);
    if (!job) return undefined;
    return {
      id: job.id!,
      name: job.name,
      data: job.data,
      opts: job.opts,
      state: await job.getState(),
    };
  } finally {
    await q.close();
  }
}

export async function jobIds(f: ApiFixture, name: JobName): Promise<string[]> {
  const q = queueFor(f, name);
  try {
    const jobs = await q.getJobs([
      'waiting',
      'delayed',
      'active',
      'completed',
      'failed',
      'prioritized',
    ]);
    return jobs.filter((j) => j.name === (name as string)).map((j) => j.id!);
  } finally {
    await q.close();
  }
}
