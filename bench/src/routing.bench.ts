import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ensureRoutingRole } from '@roost/migrations';
import { Client } from 'pg';
import { type BenchContext, type Benchmark, type Metric, numberOption, timed } from './benchmark';
import { loadDataset } from './dataset';
import { median, percentile } from './stats';

/**
 * bench/routing (issue 6):
 *  1. The exact transport and alias queries Postfix runs (read from deploy/postfix/*.cf.tmpl),
 *     with random existing keys, through pgbench: 4 clients, simple protocol (as Postfix), as the
 *     read-only routing role over TCP, against 1,000,000 mailboxes. Target >= 10,000 lookups/s.
 *  2. IMAP logins through the real nginx mail proxy (deploy/nginx/nginx.conf.tmpl) whose
 *     auth_http is the real Roost API (a child process, as deployed), against the raw argon2id
 *     verify rate of this machine measured in the same run. Target: cold logins (every login a
 *     distinct user, so every one costs an argon2id verify) >= 80% of the raw rate.
 */

const execFileAsync = promisify(execFile);
const LOOKUP_TARGET_PER_S = 10_000;
const LOGIN_RATIO_TARGET = 0.8;
/** Roost's argon2id parameters (api/src/passwords/password-hash.ts ARGON2_PARAMS). */
const ARGON2_PARAMS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
const LOGIN_PASSWORD = 'Bench-Login-Password-1';

function repoRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'deploy', 'postfix', 'transport.cf.tmpl'))) return dir;
  }
  throw new Error(`no deploy/postfix in any parent of ${__dirname}`);
}

/** The `query = ...` of a Postfix pgsql .cf file, continuation lines joined. */
export function cfQuery(cf: string): string {
  const lines = cf.split('\n');
  const start = lines.findIndex((l) => /^query\s*=/.test(l));
  if (start < 0) throw new Error('no query = line');
  const parts = [lines[start].replace(/^query\s*=\s*/, '')];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line)) break; // Postfix: a line starting with whitespace continues
    parts.push(line.trim());
  }
  return parts.join(' ');
}

/**
 * Postfix's %s (whole key), %u (local part), %d (domain) as pgbench variables of key number `i`
 * (simple protocol: pgbench substitutes them as text, inside the quotes too).
 */
export function asPgbench(query: string, i: number): string {
  return query
    .replaceAll('%s', `:key${i}`)
    .replaceAll('%u', `:local${i}`)
    .replaceAll('%d', `:domain${i}`);
}

/** Keys fetched per pgbench transaction (one indexed query for KEYS_PER_FETCH lookups). */
const KEYS_PER_FETCH = 10;

// ---- part 1: pgbench -----------------------------------------------------------------------

interface PgbenchRun {
  tps: number;
  failed: number;
  latencyMs: number;
  /**
   * CPU time per transaction, measured over the middle of the run from /proc: the PostgreSQL
   * backends serving pgbench, and pgbench itself. Unlike tps, hardly affected by other load.
   */
  cpuMsPerTx?: { server: number; client: number };
  /** 1-minute load average before and after: this machine's CPUs are shared. */
  loadBefore?: number;
  loadAfter?: number;
}

let clockTicks: number | undefined;
async function ticksPerSecond(): Promise<number> {
  clockTicks ??= Number((await execFileAsync('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
  return clockTicks;
}

/** utime + stime of a process (all its threads), in seconds; 0 once it is gone. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime and stime are fields 14 and 15
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / (await ticksPerSecond());
}

interface CpuSample {
  at: number;
  server: number;
  client: number;
}

async function sampleCpu(admin: Client, role: string, clientPid: number): Promise<CpuSample> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE usename = $1 AND datname = current_database()`,
    [role],
  );
  const server = (await Promise.all(rows.map((r) => cpuSeconds(r.pid)))).reduce((a, b) => a + b, 0);
  return { at: Date.now() / 1000, server, client: await cpuSeconds(clientPid) };
}

/** Transactions that ended between two epoch times, from pgbench's per-transaction logs. */
async function transactionsBetween(prefix: string, from: number, to: number): Promise<number> {
  const dir = dirname(prefix);
  const base = prefix.slice(dir.length + 1);
  let n = 0;
  for (const file of (await readdir(dir)).filter((f) => f.startsWith(`${base}.`))) {
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      // client_id transaction_no time script_no time_epoch time_us
      const f = line.split(' ');
      const at = Number(f[4]) + Number(f[5]) / 1e6;
      if (at >= from && at <= to) n++;
    }
  }
  return n;
}

async function pgbench(
  admin: Client,
  url: URL,
  role: { user: string; password: string },
  script: string,
  clients: number,
  seconds: number,
): Promise<PgbenchRun> {
  const logPrefix = `${script}.log`;
  const args = [
    '-n',
    '-M',
    'simple',
    '-c',
    String(clients),
    '-j',
    String(Math.min(clients, 2)),
    '-T',
    String(seconds),
    '-f',
    script,
    '-l',
    '--log-prefix',
    logPrefix,
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    role.user,
    url.pathname.slice(1),
  ];
  const child = spawn('pgbench', args, {
    env: { ...process.env, PGPASSWORD: role.password },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dirname(script),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((done) => child.once('close', done));
  let cpu: PgbenchRun['cpuMsPerTx'];
  if (seconds >= 4 && child.pid !== undefined) {
    await sleep(1500);
    const a = await sampleCpu(admin, role.user, child.pid);
    await sleep((seconds - 3) * 1000);
    const b = await sampleCpu(admin, role.user, child.pid);
    const n = await (async () => {
      await exited;
      return transactionsBetween(logPrefix, a.at, b.at);
    })();
    if (n > 0) {
      cpu = {
        server: ((b.server - a.server) * 1000) / n,
        client: ((b.client - a.client) * 1000) / n,
      };
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`pgbench exited with ${code}:\n${stderr}\n${stdout}`);
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
  const tps = num(/tps = ([\d.]+) \(without initial connection time\)/);
  if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${stdout}`);
  return {
    tps,
    failed: num(/number of failed transactions: (\d+)/) || 0,
    latencyMs: num(/latency average = ([\d.]+) ms/),
    cpuMsPerTx: cpu,
  };
}

async function lookupBenchmark(
  ctx: BenchContext,
  dbUrl: string,
  metrics: Metric[],
  notes: string[],
  details: Record<string, unknown>,
): Promise<void> {
  const seconds = numberOption(ctx, 'seconds', 10);
  const clients = numberOption(ctx, 'clients', 4);
  const keyCount = numberOption(ctx, 'keys', 20_000);
  const root = repoRoot();
  const transportQuery = cfQuery(
    await readFile(join(root, 'deploy/postfix/transport.cf.tmpl'), 'utf8'),
  );
  const aliasQuery = cfQuery(await readFile(join(root, 'deploy/postfix/aliases.cf.tmpl'), 'utf8'));
  details.queries = { transport: transportQuery, alias: aliasQuery };

  const url = new URL(dbUrl);
  const dbName = url.pathname.slice(1);
  const role = {
    user: `${dbName}_routing`.slice(0, 63),
    password: randomBytes(18).toString('hex'),
  };
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  const dir = await mkdtemp(join(tmpdir(), 'roost-bench-routing-'));
  try {
    await ensureRoutingRole(dbUrl, role.user, role.password);
    // Random existing keys, fetched per transaction with \gset: the same mix the relay sees.
    await timed(ctx.progress, `pick ${keyCount} random keys`, async () => {
      await client.query(`
        CREATE TABLE bench_transport_keys (id int PRIMARY KEY, key text, local text, domain text);
        CREATE TABLE bench_alias_keys (id int PRIMARY KEY, key text, local text, domain text);`);
      await client.query(
        `INSERT INTO bench_transport_keys
         SELECT row_number() OVER (), address, local_part, split_part(address, '@', 2)
           FROM (SELECT address, local_part FROM mailboxes WHERE address NOT LIKE '%''%'
                  ORDER BY random() LIMIT $1) m`,
        [keyCount],
      );
      // Alias map keys: mailbox addresses (identity rows), alias addresses, and the '@domain'
      // catch-all key Postfix tries after a miss.
      await client.query(
        `INSERT INTO bench_alias_keys
         SELECT row_number() OVER (), k, split_part(k, '@', 1), split_part(k, '@', 2) FROM (
           (SELECT address AS k FROM mailboxes ORDER BY random() LIMIT $1 / 2)
           UNION ALL (SELECT address FROM aliases WHERE local_part <> '' ORDER BY random() LIMIT $1 / 4)
           UNION ALL (SELECT '@' || name FROM domains ORDER BY random() LIMIT $1 / 4)) keys
         WHERE k NOT LIKE '%''%'`,
        [keyCount],
      );
      await client.query(
        `GRANT SELECT ON bench_transport_keys, bench_alias_keys TO ${client.escapeIdentifier(role.user)}`,
      );
    });
    const count = async (table: string) =>
      Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const transportKeys = await count('bench_transport_keys');
    const aliasKeys = await count('bench_alias_keys');

    // The exact queries answer as the routing role (a wrong grant would show as errors).
    const asRole = new Client({
      host: url.hostname,
      port: Number(url.port || 5432),
      database: dbName,
      user: role.user,
      password: role.password,
    });
    await asRole.connect();
    try {
      const key = (await client.query(`SELECT key FROM bench_transport_keys LIMIT 1`)).rows[0] as {
        key: string;
      };
      const sample = transportQuery.replaceAll('%u@%d', key.key).replaceAll('%s', key.key);
      const answer = await asRole.query(sample);
      details.sampleTransport = { key: key.key, answer: answer.rows };
    } finally {
      await asRole.end();
    }

    // Each transaction fetches KEYS_PER_FETCH random keys in one row (\gset), then runs the
    // exact map query once per key: the fetch costs one indexed query per 10 lookups.
    const range = Array.from({ length: KEYS_PER_FETCH }, (_, i) => i);
    const batches = async (from: string, to: string) => {
      const columns = range
        .flatMap((i) =>
          ['key', 'local', 'domain'].map(
            (c) => `max(${c}) FILTER (WHERE (id - 1) % ${KEYS_PER_FETCH} = ${i}) AS ${c}${i}`,
          ),
        )
        .join(', ');
      await client.query(
        `CREATE TABLE ${to} AS SELECT (id - 1) / ${KEYS_PER_FETCH} + 1 AS id, ${columns}
           FROM ${from} GROUP BY 1 HAVING count(*) = ${KEYS_PER_FETCH}`,
      );
      await client.query(`ALTER TABLE ${to} ADD PRIMARY KEY (id)`);
      await client.query(`GRANT SELECT ON ${to} TO ${client.escapeIdentifier(role.user)}`);
      return count(to);
    };
    const transportBatches = await batches('bench_transport_keys', 'bench_transport_batches');
    const aliasBatches = await batches('bench_alias_keys', 'bench_alias_batches');
    const fetch = (table: string, n: number) =>
      `\\set n random(1, ${n})\n` +
      `SELECT ${range.map((i) => `key${i}, local${i}, domain${i}`).join(', ')} FROM ${table} ` +
      `WHERE id = :n \\gset\n`;
    const each = (make: (i: number) => string) => range.map(make).join('');
    const scripts = {
      transport:
        fetch('bench_transport_batches', transportBatches) +
        each((i) => `${asPgbench(transportQuery, i)};\n`),
      alias:
        fetch('bench_alias_batches', aliasBatches) + each((i) => `${asPgbench(aliasQuery, i)};\n`),
      // What Postfix sends per accepted recipient (notes/routing.md §2.4): the alias map twice
      // (smtpd's recipient check, cleanup's expansion) and the transport map twice (smtpd's and
      // qmgr's resolve), all for the same key.
      recipient:
        fetch('bench_transport_batches', transportBatches) +
        each((i) => {
          const alias = `${asPgbench(aliasQuery, i)};\n`;
          const transport = `${asPgbench(transportQuery, i)};\n`;
          return alias + alias + transport + transport;
        }),
    };
    const runs: Record<string, PgbenchRun> = {};
    for (const [name, script] of Object.entries(scripts)) {
      const file = join(dir, `${name}.sql`);
      await writeFile(file, script);
      const load = loadavg()[0];
      const { value } = await timed(
        ctx.progress,
        `pgbench ${name}: ${clients} clients, ${seconds} s`,
        () => pgbench(client, url, role, file, clients, seconds),
      );
      runs[name] = { ...value, loadBefore: load, loadAfter: loadavg()[0] };
      if (value.failed > 0) ctx.fail(`pgbench ${name}: ${value.failed} failed transactions`);
    }
    details.pgbench = {
      clients,
      seconds,
      scripts,
      runs,
      keys: { transportKeys, aliasKeys, perFetch: KEYS_PER_FETCH },
    };
    const loads = Object.values(runs).flatMap((r) => [r.loadBefore ?? 0, r.loadAfter ?? 0]);
    notes.push(
      `pgbench ran at a 1-minute load average of ${Math.min(...loads).toFixed(1)}-` +
        `${Math.max(...loads).toFixed(1)} on ${cpus().length} CPUs (pgbench and PostgreSQL share them)`,
    );
    const lookups = {
      transport: runs.transport.tps * KEYS_PER_FETCH,
      alias: runs.alias.tps * KEYS_PER_FETCH,
      recipient: runs.recipient.tps * KEYS_PER_FETCH * 4,
    };
    metrics.push(
      {
        label: 'transport lookups (pgbench, 4 clients)',
        value: Math.round(lookups.transport),
        unit: '/s',
        baseline: LOOKUP_TARGET_PER_S,
      },
      {
        label: 'alias lookups (pgbench, 4 clients)',
        value: Math.round(lookups.alias),
        unit: '/s',
        baseline: LOOKUP_TARGET_PER_S,
      },
      {
        label: 'per recipient: 2 alias + 2 transport',
        value: Math.round(lookups.recipient),
        unit: 'lookups/s',
        baseline: LOOKUP_TARGET_PER_S,
      },
    );
    // CPU per lookup (pgbench client + PostgreSQL, key fetch included): what this machine's CPUs
    // could serve when nothing else runs on them.
    const perTx = {
      transport: KEYS_PER_FETCH,
      alias: KEYS_PER_FETCH,
      recipient: KEYS_PER_FETCH * 4,
    } as const;
    const capacity: Record<string, number> = {};
    for (const [name, lookupsPerTx] of Object.entries(perTx)) {
      const cpu = runs[name].cpuMsPerTx;
      if (!cpu) continue;
      const msPerLookup = (cpu.server + cpu.client) / lookupsPerTx;
      capacity[name] = (cpus().length * 1000) / msPerLookup;
      metrics.push({
        label: `${name}: CPU per lookup (PostgreSQL + pgbench)`,
        value: Math.round(msPerLookup * 1000),
        unit: 'µs',
      });
    }
    for (const [name, value] of Object.entries(capacity)) {
      metrics.push({
        label: `${name}: lookups/s the ${cpus().length} CPUs serve when idle (from CPU time)`,
        value: Math.round(value),
        unit: '/s',
        baseline: LOOKUP_TARGET_PER_S,
      });
    }
    details.capacityFromCpu = capacity;
    for (const [name, value] of Object.entries(lookups)) {
      if (value < LOOKUP_TARGET_PER_S) {
        ctx.fail(
          `${name}: ${Math.round(value)} lookups/s is below the target of ${LOOKUP_TARGET_PER_S}`,
        );
      }
    }
  } finally {
    await client
      .query(`DROP OWNED BY ${client.escapeIdentifier(role.user)}`)
      .catch(() => undefined);
    await client
      .query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(role.user)}`)
      .catch(() => undefined);
    await client.end();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- part 2: logins through nginx auth_http ------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A minimal IMAP backend that accepts any LOGIN (nginx sends it with literals), so the figure is
 * the proxy and auth_http, not a backend's own login. Real backends: test/src/routing/*.
 */
function startFakeBackend(port: number): Promise<Server> {
  const server = createServer((socket: Socket) => {
    let buffer = '';
    let literal = 0;
    let command = '';
    socket.on('error', () => undefined);
    socket.write('* OK [CAPABILITY IMAP4rev1] bench backend ready\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (literal > 0) {
          if (buffer.length < literal) return;
          command += buffer.slice(0, literal);
          buffer = buffer.slice(literal);
          literal = 0;
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        command += line;
        const m = /\{(\d+)\+?\}$/.exec(line);
        if (m) {
          literal = Number(m[1]);
          if (!line.endsWith('+}')) socket.write('+ go ahead\r\n');
          continue;
        }
        const [tag, verb = ''] = command.split(' ');
        command = '';
        if (/^LOGOUT$/i.test(verb)) {
          socket.end(`* BYE bench backend\r\n${tag} OK LOGOUT completed\r\n`);
          return;
        }
        socket.write(`${tag} OK ${verb.toUpperCase()} completed\r\n`);
      }
    });
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveServer(server));
  });
}

/**
 * One IMAP login through the proxy on a fresh connection: greeting, LOGIN, then close on the
 * tagged answer (true on `a1 OK`). No LOGOUT round trip and one data handler, no timers per
 * read: the client shares the CPUs with what it measures, so it should cost little.
 */
function proxiedLogin(port: number, user: string, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    let loginSent = false;
    const finish = (ok: boolean) => {
      resolve(ok); // a promise settles once: later calls (close after destroy) do nothing
      socket.destroy();
    };
    socket.setTimeout(60_000, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!loginSent) {
        if (!text.includes('\r\n')) return;
        if (!text.startsWith('* OK')) return finish(false);
        loginSent = true;
        text = '';
        socket.write(`a1 LOGIN "${user}" "${password}"\r\n`);
        return;
      }
      const tagged = /(?:^|\r\n)a1 (\w+)[^\r\n]*\r\n/.exec(text);
      if (tagged) finish(tagged[1] === 'OK');
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

function greets(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host: '127.0.0.1', port });
    s.setTimeout(2000, () => (s.destroy(), done(false)));
    s.once('data', (d: Buffer) => (s.destroy(), done(d.toString().startsWith('* OK'))));
    s.once('error', () => done(false));
  });
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

interface Rate {
  count: number;
  seconds: number;
}

/** Runs `fn` with `concurrency` loops for `seconds`; returns the calls completed and the time. */
async function rateOf(
  seconds: number,
  concurrency: number,
  fn: () => Promise<unknown>,
): Promise<Rate> {
  const end = performance.now() + seconds * 1000;
  let count = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await fn();
        count++;
      }
    }),
  );
  return { count, seconds: (performance.now() - start) / 1000 };
}

const perSecond = (r: Rate) => r.count / r.seconds;

async function loginBenchmark(
  ctx: BenchContext,
  dbUrl: string,
  metrics: Metric[],
  notes: string[],
  details: Record<string, unknown>,
): Promise<void> {
  const users = numberOption(ctx, 'login-users', 3000);
  const loginClients = numberOption(ctx, 'login-clients', 8);
  const argonSeconds = numberOption(ctx, 'argon-seconds', 12);
  const coldSeconds = numberOption(ctx, 'cold-seconds', 16);
  const rounds = Math.max(1, Math.floor(numberOption(ctx, 'rounds', 4)));
  const warmSeconds = numberOption(ctx, 'warm-seconds', 8);
  const redisUrl = process.env.ROOST_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const root = repoRoot();
  const argon2 = await import('@node-rs/argon2');
  const rawHash = await argon2.hash(LOGIN_PASSWORD, {
    algorithm: argon2.Algorithm.Argon2id,
    ...ARGON2_PARAMS,
  });

  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  const dir = await mkdtemp(join(tmpdir(), 'roost-bench-proxy-'));
  let api: ChildProcess | undefined;
  let nginx: ChildProcess | undefined;
  let backend: Server | undefined;
  const prefix = `roost-bench-${randomBytes(4).toString('hex')}`;
  try {
    const backendPort = await freePort();
    backend = await startFakeBackend(backendPort);
    // Bench users: random dataset mailboxes, routed to the fake backend, with a real argon2id hash
    // (the same hash string for all; every login of a new user still costs one verify).
    const { value: addresses } = await timed(
      ctx.progress,
      `prepare ${users} login users`,
      async () => {
        const { rows } = await client.query<{ id: number }>(
          // explicit id: the dataset inserts backends with explicit ids, so the sequence is behind
          `INSERT INTO backends (id, name, imap_host, imap_port, lmtp_host, lmtp_port, admin_secret_ref,
                               capacity_bytes, capacity_mailboxes)
         SELECT coalesce(max(id), 0) + 1, 'bench-proxy', '127.0.0.1', $1, '127.0.0.1', 24, 'none',
                1000000000000, 1000000 FROM backends RETURNING id`,
          [backendPort],
        );
        const picked = await client.query<{ address: string }>(
          `UPDATE mailboxes m SET password_hash = $2, backend_id = $3, state = 'active', active = true
           FROM (SELECT m2.id FROM mailboxes m2 JOIN domains d ON d.id = m2.domain_id
                  WHERE d.active AND m2.address NOT LIKE '%"%' ORDER BY random() LIMIT $1) p
          WHERE m.id = p.id RETURNING m.address`,
          [users, `{ARGON2ID}${rawHash}`, rows[0].id],
        );
        return picked.rows.map((r) => r.address);
      },
    );

    const apiPort = await freePort();
    const secret = randomBytes(24).toString('base64url');
    api = spawn(process.execPath, [join(root, 'api/dist/main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        REDIS_URL: redisUrl,
        ROOST_QUEUE_PREFIX: prefix,
        ROOST_MAIL_AUTH_SECRET: secret,
        ROOST_SECRET_KEY: randomBytes(32).toString('base64'),
        ROOST_API_PORT: String(apiPort),
        ROOST_API_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let apiErrors = '';
    api.stderr?.on('data', (c: Buffer) => (apiErrors += c.toString()));
    await waitFor(
      'the Roost API',
      async () => (await fetch(`http://127.0.0.1:${apiPort}/health`)).ok,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${apiErrors}`);
    });

    const imapPort = await freePort();
    const conf = join(dir, 'nginx.conf');
    const template = await readFile(join(root, 'deploy/nginx/nginx.conf.tmpl'), 'utf8');
    const vars: Record<string, string> = {
      WORKER_PROCESSES: '1',
      PID_FILE: join(dir, 'nginx.pid'),
      ERROR_LOG: join(dir, 'error.log'),
      SERVER_NAME: 'bench-proxy',
      AUTH_HTTP: `http://127.0.0.1:${apiPort}/api/mail-auth/nginx`,
      MAIL_AUTH_SECRET: secret,
      IMAP_LISTEN: `127.0.0.1:${imapPort}`,
      POP3_LISTEN: `127.0.0.1:${await freePort()}`,
    };
    await writeFile(
      conf,
      template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, k: string) => vars[k] ?? ''),
      {
        mode: 0o600,
      },
    );
    nginx = spawn('nginx', ['-p', dir, '-c', conf, '-e', vars.ERROR_LOG, '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    await waitFor('nginx', () => greets(imapPort));
    if (!(await proxiedLogin(imapPort, addresses[0], LOGIN_PASSWORD))) {
      throw new Error(
        `a proxied login failed; see ${vars.ERROR_LOG}: ${await readFile(vars.ERROR_LOG, 'utf8')}`,
      );
    }

    // Raw argon2id verify rate of this machine (same parameters), with one verification in
    // flight per core and with 4 (libuv's default pool): the better of the two is the baseline.
    // Cold logins (every login a user not seen before, so the verified-credential cache misses)
    // run in alternating slices with it: other load on the shared CPUs weighs on both alike.
    const verifyRaw = () => argon2.verify(rawHash, LOGIN_PASSWORD);
    const rawInFlight = [...new Set([cpus().length, 4])];
    const queue = addresses.slice(1);
    const latencies: number[] = [];
    let failures = 0;
    const raws = new Map<number, Rate[]>(rawInFlight.map((n) => [n, []]));
    const colds: Rate[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const inFlight of rawInFlight) {
        const rawRun = await timed(
          ctx.progress,
          `round ${round}/${rounds}: raw argon2id verify, ${inFlight} in flight`,
          () => rateOf(argonSeconds / rounds / rawInFlight.length, inFlight, verifyRaw),
        );
        raws.get(inFlight)!.push(rawRun.value);
      }
      // Steady state, like the raw run: the clients keep logging in new users for the slice's
      // time (a fixed number of users would end each slice with fewer logins in flight).
      const failedBefore = failures;
      const coldRun = await timed(
        ctx.progress,
        `round ${round}/${rounds}: cold logins, ${loginClients} clients, ${coldSeconds / rounds} s`,
        () =>
          rateOf(coldSeconds / rounds, loginClients, async () => {
            const user = queue.shift();
            if (user === undefined)
              throw new Error(`all ${users} login users used: raise --login-users`);
            const t = performance.now();
            if (await proxiedLogin(imapPort, user, LOGIN_PASSWORD))
              latencies.push(performance.now() - t);
            else failures++;
          }),
      );
      // rateOf counts every call: a failed login is not a login
      colds.push({ ...coldRun.value, count: coldRun.value.count - (failures - failedBefore) });
    }
    if (failures > 0) ctx.fail(`${failures} cold logins failed (see ${vars.ERROR_LOG})`);
    const total = (rates: Rate[]) => ({
      count: rates.reduce((a, r) => a + r.count, 0),
      seconds: rates.reduce((a, r) => a + r.seconds, 0),
    });
    const rawRates = rawInFlight.map((n) => ({
      inFlight: n,
      rate: perSecond(total(raws.get(n)!)),
    }));
    const best = rawRates.reduce((a, b) => (b.rate > a.rate ? b : a));
    const raw = best.rate;
    const coldRate = perSecond(total(colds));

    // Warm: the users logged in above, again within the cache TTL (a client reconnecting).
    const loggedIn = addresses.slice(0, addresses.length - queue.length);
    let next = 0;
    const warmRate = perSecond(
      (
        await timed(ctx.progress, `warm logins, ${warmSeconds} s`, () =>
          rateOf(warmSeconds, loginClients, async () => {
            const user = loggedIn[next++ % loggedIn.length];
            if (!(await proxiedLogin(imapPort, user, LOGIN_PASSWORD)))
              throw new Error(`warm login of ${user} failed`);
          }),
        )
      ).value,
    );
    notes.push(`the login runs ended at a 1-minute load average of ${loadavg()[0].toFixed(1)}`);
    const ratio = coldRate / raw;

    metrics.push(
      ...rawRates.map((r) => ({
        label: `raw argon2id verify (${r.inFlight} in flight${r === best ? ', baseline' : ''})`,
        value: round1(r.rate),
        unit: '/s',
      })),
      {
        label: 'proxied IMAP logins, cold (nginx + auth_http)',
        value: round1(coldRate),
        unit: '/s',
        baseline: round1(raw),
      },
      {
        label: 'proxied IMAP logins, warm (cached credential)',
        value: round1(warmRate),
        unit: '/s',
        baseline: round1(raw),
      },
      { label: 'cold login p50', value: round1(median(latencies)), unit: 'ms' },
      { label: 'cold login p95', value: round1(percentile(latencies, 95)), unit: 'ms' },
    );
    notes.push(
      `logins: cold/raw = ${(ratio * 100).toFixed(0)}% (target >= ${LOGIN_RATIO_TARGET * 100}%); ` +
        `per round raw (${best.inFlight} in flight)/cold: ` +
        raws
          .get(best.inFlight)!
          .map((r, i) => `${perSecond(r).toFixed(1)}/${perSecond(colds[i]).toFixed(1)}`)
          .join(', '),
      'A cold login is one argon2id verify in the API plus nginx, HTTP, one SQL query, Redis ' +
        'throttle counters and the IMAP round trips; a warm one skips the verify (cache keyed by ' +
        'an HMAC of login and password, valid for the stored hash only, 120 s).',
    );
    details.logins = {
      users,
      loginClients,
      rounds: colds.map((cold, i) => ({
        cold,
        raw: Object.fromEntries(rawInFlight.map((n) => [n, raws.get(n)![i]])),
      })),
      rawRates,
      raw,
      coldRate,
      warmRate,
      ratio,
      failures,
    };
    if (ratio < LOGIN_RATIO_TARGET) {
      ctx.fail(
        `cold proxied logins reach ${(ratio * 100).toFixed(0)}% of the raw argon2id rate (target 80%)`,
      );
    }
  } finally {
    await stopChild(nginx);
    await stopChild(api);
    await new Promise<void>((done) => (backend ? backend.close(() => done()) : done()));
    await client.end();
    await rm(dir, { recursive: true, force: true });
    await clearRedisPrefix(redisUrl, prefix).catch(() => undefined);
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The API's throttle counters of this run (its ROOST_QUEUE_PREFIX is unique). */
async function clearRedisPrefix(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await r.connect();
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export const routingBenchmark: Benchmark = {
  name: 'routing',
  description:
    "Postfix's exact transport/alias queries with pgbench (4 clients, simple protocol, read-only " +
    'role, 1M mailboxes; target 10k lookups/s) and IMAP logins through nginx auth_http vs the ' +
    'raw argon2id verify rate (target 80%)',
  async run(ctx) {
    const mailboxes = numberOption(ctx, 'mailboxes', 1_000_000);
    const domains = numberOption(ctx, 'domains', 1_000);
    const backends = numberOption(ctx, 'backends', 8);
    const metrics: Metric[] = [];
    const notes: string[] = [];
    const details: Record<string, unknown> = {};
    const db = await ctx.createDatabase();
    const stats = await loadDataset(db.url, {
      mailboxes,
      domains,
      backends,
      progress: ctx.progress,
    });
    details.dataset = stats;
    notes.push(
      `${mailboxes} mailboxes in ${domains} domains on ${backends} backends; each pgbench ` +
        `transaction fetches ${KEYS_PER_FETCH} random keys with one indexed query, then runs the ` +
        'map query once per key (per recipient: alias twice, transport twice), so the lookup ' +
        'rates include that fetch.',
    );
    if (ctx.options.get('skip-lookups') !== 'true')
      await lookupBenchmark(ctx, db.url, metrics, notes, details);
    if (ctx.options.get('skip-logins') !== 'true') {
      await loginBenchmark(ctx, db.url, metrics, notes, details);
    }
    return { name: 'routing', metrics, notes, details };
  },
};
