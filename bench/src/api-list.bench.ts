import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { loadavg } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { type BenchContext, type Benchmark, type Metric, numberOption, timed } from './benchmark';
import { loadDataset } from './dataset';
import { median, percentile } from './stats';

/** A server with nothing but JSON of a 50-row page: what this machine and client allow at all. */
const FLOOR_SERVER = `
const rows = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, domainId: 1, localPart: 'user' + i,
  address: 'user' + i + '@example.com', displayName: 'User Name', passwordMustChange: false, active: true,
  quotaBytes: 1073741824, usedBytes: 123456789, usedSyncedAt: new Date().toISOString(), backendId: 3,
  pinned: false, state: 'active', stateReason: null, lastLoginAt: new Date().toISOString(), deleteAfter: null,
  createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() }));
require('node:http').createServer((req, res) => {
  const body = JSON.stringify(rows);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Range': 'mailboxes 0-49/1000' });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready'));`;

async function calibrate(
  ctx: BenchContext,
  requests: number,
  concurrency: number,
): Promise<Outcome & { cpu: number }> {
  const port = await freePort();
  const server = spawn(process.execPath, ['-e', FLOOR_SERVER], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout?.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
    });
    const s: Scenario = {
      id: 'floor',
      title: 'floor',
      path: '/floor',
      token: 'none',
      queries: ['x=1'],
    };
    await drive(port, s, Math.min(requests, 500), concurrency);
    const cpu0 = cpuMs(server.pid!);
    const { value } = await timed(
      ctx.progress,
      `machine floor: bare node:http, ${requests} requests`,
      () => drive(port, s, requests, concurrency),
    );
    return { ...value, cpu: (cpuMs(server.pid!) - cpu0) / requests };
  } finally {
    server.kill('SIGTERM');
  }
}

/** The target: p95 under 50 ms at 20 concurrent requests with 1,000,000 mailboxes. */
const TARGET_P95_MS = 50;

function repoRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'api', 'package.json')) && existsSync(join(dir, 'bench'))) return dir;
  throw new Error(`no api/ in any parent of ${__dirname}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(base: string, api: ChildProcess, errors: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (api.exitCode !== null) throw new Error(`the API exited with ${api.exitCode}: ${errors()}`);
    const ok = await fetch(`${base}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`the API did not answer /health within 60 s: ${errors()}`);
}

/** An admin with a personal API token, inserted directly (what the CLI and the API would store). */
async function tokenFor(
  client: Client,
  username: string,
  role: string,
  domainIds: number[],
): Promise<string> {
  const token = `rt_${randomBytes(32).toString('base64url')}`;
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO admins (username, password_hash, role) VALUES ($1, '{ARGON2ID}not-for-login', $2) RETURNING id`,
    [username, role],
  );
  const id = rows[0].id;
  for (const d of domainIds)
    await client.query(`INSERT INTO admin_domains (admin_id, domain_id) VALUES ($1, $2)`, [id, d]);
  await client.query(
    `INSERT INTO admin_credentials (admin_id, kind, name, secret_hash, prefix) VALUES ($1, 'api-token', 'bench', $2, $3)`,
    [id, createHash('sha256').update(token).digest('hex'), token.slice(0, 10)],
  );
  return token;
}

async function datasetRows(url: string): Promise<Record<string, number>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ mailboxes: number; domains: number }>(
      `SELECT (SELECT count(*) FROM mailboxes)::int AS mailboxes, (SELECT count(*) FROM domains)::int AS domains`,
    );
    return rows[0];
  } finally {
    await c.end();
  }
}

interface Scenario {
  id: string;
  /** Default /api/mailboxes. */
  path?: string;
  title: string;
  token: string;
  /** Query strings, used round-robin. */
  queries: string[];
}

interface Outcome {
  p50: number;
  p95: number;
  max: number;
  rps: number;
  errors: number;
  emptyPages: number;
  sampleRange: string;
}

/** CPU time (user + system) a process has used, in ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU ms of the PostgreSQL backends serving `database` (the API's pool; idle ones count 0). */
async function databaseCpuMs(client: Client, database: string): Promise<number> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [database],
  );
  let total = 0;
  for (const { pid } of rows) {
    try {
      total += cpuMs(pid);
    } catch {
      // the backend ended between the two reads
    }
  }
  return total;
}

/** One GET over a keep-alive agent (lighter on the shared CPU than fetch). */
function getJson(
  agent: Agent,
  port: number,
  path: string,
  token: string,
): Promise<{ status: number; range: string | undefined; empty: boolean }> {
  return new Promise((resolve, reject) => {
    get(
      { host: '127.0.0.1', port, path, agent, headers: { Authorization: `Bearer ${token}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          const range = res.headers['content-range'];
          resolve({
            status: res.statusCode ?? 0,
            range: typeof range === 'string' ? range : undefined,
            empty: body === '[]',
          });
        });
        res.on('error', reject);
      },
    ).on('error', reject);
  });
}

/** Sends `requests` GETs with `concurrency` in flight; returns per-request latencies. */
async function drive(
  port: number,
  s: Scenario,
  requests: number,
  concurrency: number,
): Promise<Outcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let emptyPages = 0;
  let sampleRange = '';
  const start = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= requests) return;
      const qs = s.queries[i % s.queries.length];
      const t0 = performance.now();
      try {
        const res = await getJson(agent, port, `${s.path ?? '/api/mailboxes'}?${qs}`, s.token);
        latencies.push(performance.now() - t0);
        if (res.status !== 200 || !res.range) errors++;
        else if (res.empty) emptyPages++;
        sampleRange ||= res.range ?? '';
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  const seconds = (performance.now() - start) / 1000;
  return {
    p50: median(latencies),
    p95: percentile(latencies, 95),
    max: Math.max(...latencies),
    rps: latencies.length / seconds,
    errors,
    emptyPages,
    sampleRange,
  };
}

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

function listQuery(
  filter: object,
  sort: [string, string] = ['address', 'ASC'],
  range: [number, number] = [0, 49],
): string {
  const p = new URLSearchParams();
  p.set('sort', JSON.stringify(sort));
  p.set('range', JSON.stringify(range));
  p.set('filter', JSON.stringify(filter));
  return p.toString();
}

/**
 * `api-list`: the mailbox list of the admin API over HTTP, as the console asks for it, against
 * 1,000,000 mailboxes: one domain sorted by address with a prefix search, page of 50, and the
 * global address-prefix search; 20 requests in flight. The API runs as its own process
 * (`node api/dist/main.js`), so the figures include auth, validation, JSON and HTTP.
 * Options: --mailboxes --domains --backends --requests --concurrency --warmup, and
 * --database-url=postgres://... to reuse a database the dataset was loaded into before.
 */
export const apiListBenchmark: Benchmark = {
  name: 'api-list',
  description:
    'Admin API mailbox list over HTTP at 20 concurrent requests with 1M mailboxes: one domain (sorted, prefix, page 50) and global address-prefix search; p50/p95',
  async run(ctx: BenchContext) {
    const mailboxes = numberOption(ctx, 'mailboxes', 1_000_000);
    const domains = numberOption(ctx, 'domains', 1_000);
    const backends = numberOption(ctx, 'backends', 20);
    const requests = numberOption(ctx, 'requests', 2_000);
    const concurrency = numberOption(ctx, 'concurrency', 20);
    const warmup = numberOption(ctx, 'warmup', 300);
    const redisUrl = process.env.ROOST_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const metrics: Metric[] = [];
    const notes: string[] = [];
    const details: Record<string, unknown> = {};

    // --database-url reuses a database loaded before (e.g. kept with --keep); else a fresh one is loaded.
    const reuse = ctx.options.get('database-url');
    const dbUrl = reuse ?? (await ctx.createDatabase()).url;
    const rows = reuse
      ? await datasetRows(reuse)
      : (await loadDataset(dbUrl, { mailboxes, domains, backends, progress: ctx.progress })).rows;
    details.dataset = rows;

    const client = new Client({ connectionString: dbUrl });
    await client.connect();
    let api: ChildProcess | undefined;
    try {
      // The largest domain (the skewed data set puts ~6% of all mailboxes in it) and a mid-size one.
      const { rows: sizes } = await client.query<{ domain_id: number; n: number; name: string }>(
        `SELECT m.domain_id, count(*)::int AS n, d.name FROM mailboxes m JOIN domains d ON d.id = m.domain_id
          GROUP BY m.domain_id, d.name ORDER BY n DESC`,
      );
      const big = sizes[0];
      const mid = sizes[Math.floor(sizes.length / 4)];
      // Prefixes people type: the first 2 letters of real local parts / addresses (weighted by use).
      const { rows: domainPrefixes } = await client.query<{ p: string }>(
        `SELECT left(local_part, 2) AS p FROM mailboxes WHERE domain_id = $1 ORDER BY random() LIMIT 200`,
        [big.domain_id],
      );
      const { rows: midPrefixes } = await client.query<{ p: string }>(
        `SELECT left(local_part, 1) AS p FROM mailboxes WHERE domain_id = $1 ORDER BY random() LIMIT 200`,
        [mid.domain_id],
      );
      const { rows: globalPrefixes } = await client.query<{ p: string }>(
        `SELECT left(address, 3) AS p FROM mailboxes TABLESAMPLE SYSTEM (1) LIMIT 200`,
      );
      const tag = randomBytes(3).toString('hex');
      const rootToken = await tokenFor(client, `bench-root-${tag}`, 'superadmin', []);
      const daToken = await tokenFor(client, `bench-da-${tag}`, 'domain-admin', [big.domain_id]);
      details.domains = { big, mid };

      const port = await freePort();
      const prefix = `roost-bench-${randomBytes(4).toString('hex')}`;
      let stderr = '';
      api = spawn(process.execPath, [join(repoRoot(), 'api', 'dist', 'main.js')], {
        env: {
          ...process.env,
          DATABASE_URL: dbUrl,
          REDIS_URL: redisUrl,
          ROOST_QUEUE_PREFIX: prefix,
          ROOST_API_PORT: String(port),
          ROOST_API_HOST: '127.0.0.1',
          ROOST_SECRET_KEY: randomBytes(32).toString('base64'),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      api.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      const base = `http://127.0.0.1:${port}`;
      await timed(ctx.progress, 'start the API (node api/dist/main.js)', () =>
        waitForHealth(base, api!, () => stderr),
      );

      const scenarios: Scenario[] = [
        {
          id: 'domain-prefix',
          title: `one domain (${big.n} mailboxes), sorted, 2-letter prefix, page 50`,
          token: rootToken,
          queries: domainPrefixes.map((r) => listQuery({ domainId: big.domain_id, q: r.p })),
        },
        {
          id: 'global-prefix',
          title: 'global address-prefix search (3 letters), sorted, page 50',
          token: rootToken,
          queries: globalPrefixes.map((r) => listQuery({ q: r.p })),
        },
        {
          id: 'domain-admin-prefix',
          title: `domain admin, own domain (${big.n}), sorted, 2-letter prefix, page 50`,
          token: daToken,
          queries: domainPrefixes.map((r) => listQuery({ q: r.p })),
        },
        {
          id: 'domain-mid-prefix',
          title: `mid-size domain (${mid.n}), sorted, 1-letter prefix, page 50`,
          token: rootToken,
          queries: midPrefixes.map((r) => listQuery({ domainId: mid.domain_id, q: r.p })),
        },
        {
          id: 'domain-page',
          title: `one domain (${big.n}), sorted, no search, pages 1-20`,
          token: rootToken,
          queries: Array.from({ length: 20 }, (_, i) =>
            listQuery({ domainId: big.domain_id }, ['address', 'ASC'], [i * 50, i * 50 + 49]),
          ),
        },
      ];

      const loadBefore = loadavg()[0];
      const floor = await calibrate(ctx, requests, concurrency);
      metrics.push({
        label: 'bare node:http JSON p95 (machine floor)',
        value: round(floor.p95),
        unit: 'ms',
      });
      metrics.push({
        label: 'bare node:http JSON throughput',
        value: Math.round(floor.rps),
        unit: 'req/s',
      });
      notes.push(
        `machine floor: a bare node:http server answering the same 50-row JSON (no auth, no database) at ${concurrency} in flight: ` +
          `p50 ${round(floor.p50)} ms, p95 ${round(floor.p95)} ms, ${Math.round(floor.rps)} req/s, ${round(floor.cpu, 2)} ms CPU/request.`,
      );
      // Warm every case first (JIT, plan and buffer caches), so the first measured one is not penalised.
      await timed(ctx.progress, `warm-up: ${warmup} requests per case`, async () => {
        for (const s of scenarios) await drive(port, s, warmup, concurrency);
      });
      const database = new URL(dbUrl).pathname.slice(1);
      for (const s of scenarios) {
        const cpu0 = cpuMs(api.pid!);
        const pg0 = await databaseCpuMs(client, database);
        const client0 = process.cpuUsage();
        const { value: o } = await timed(
          ctx.progress,
          `${s.id}: ${requests} requests, ${concurrency} in flight`,
          () => drive(port, s, requests, concurrency),
        );
        const apiCpu = (cpuMs(api.pid!) - cpu0) / requests;
        // Where the rest of the CPU goes: PostgreSQL's backends and this process (the client).
        const pgCpu = ((await databaseCpuMs(client, database)) - pg0) / requests;
        const used = process.cpuUsage(client0);
        const clientCpu = (used.user + used.system) / 1000 / requests;
        // One at a time: the latency of a request that does not queue behind 19 others.
        const single = await drive(port, s, Math.min(300, requests), 1);
        metrics.push({ label: `${s.id} p50`, value: round(o.p50), unit: 'ms' });
        metrics.push({
          label: `${s.id} p95`,
          value: round(o.p95),
          unit: 'ms',
          baseline: TARGET_P95_MS,
        });
        metrics.push({ label: `${s.id} throughput`, value: Math.round(o.rps), unit: 'req/s' });
        metrics.push({ label: `${s.id} 1 in flight p50`, value: round(single.p50), unit: 'ms' });
        metrics.push({ label: `${s.id} 1 in flight p95`, value: round(single.p95), unit: 'ms' });
        metrics.push({ label: `${s.id} API CPU per request`, value: round(apiCpu, 2), unit: 'ms' });
        metrics.push({
          label: `${s.id} PostgreSQL CPU per request`,
          value: round(pgCpu, 2),
          unit: 'ms',
        });
        metrics.push({
          label: `${s.id} client CPU per request`,
          value: round(clientCpu, 2),
          unit: 'ms',
        });
        details[s.id] = {
          title: s.title,
          ...o,
          single,
          apiCpuMsPerRequest: apiCpu,
          postgresCpuMsPerRequest: pgCpu,
          clientCpuMsPerRequest: clientCpu,
          queries: s.queries.length,
        };
        notes.push(
          `${s.id}: ${s.title}: p50 ${round(o.p50)} ms, p95 ${round(o.p95)} ms, max ${round(o.max)} ms, ` +
            `${Math.round(o.rps)} req/s; one at a time p50 ${round(single.p50)} ms, p95 ${round(single.p95)} ms; ` +
            `CPU per request: API ${round(apiCpu, 2)} ms, PostgreSQL ${round(pgCpu, 2)} ms, ` +
            `client ${round(clientCpu, 2)} ms (e.g. Content-Range '${o.sampleRange}', ${o.emptyPages} empty pages)`,
        );
        if (o.errors > 0) ctx.fail(`${s.id}: ${o.errors} requests failed or lacked Content-Range`);
        const gated = s.id === 'domain-prefix' || s.id === 'global-prefix';
        if (gated && o.p95 >= TARGET_P95_MS)
          ctx.fail(`${s.id}: p95 ${round(o.p95)} ms is not under ${TARGET_P95_MS} ms`);
      }
      notes.push(
        `load average (1 min) ${loadBefore.toFixed(1)} before the runs, ${loadavg()[0].toFixed(1)} after, on ${
          (readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm) ?? []).length
        } CPUs: other work on the machine shares them.`,
      );
      notes.push(
        `${rows.mailboxes} mailboxes in ${rows.domains} domains; ${requests} requests per case after ${warmup} warm-up, ` +
          `${concurrency} in flight over keep-alive HTTP to a separate API process on the same machine (client, API and PostgreSQL share its cores).`,
      );
    } finally {
      if (api && api.exitCode === null) {
        api.kill('SIGTERM');
        await new Promise((r) => api!.once('exit', r));
      }
      await client.end();
    }
    return { name: 'api-list', metrics, notes, details };
  },
};
