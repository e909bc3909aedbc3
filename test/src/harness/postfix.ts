import { grantRoutingRole, ROUTING_VIEWS } from '@roost/migrations';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { ensureDebianPackages } from './apt';
import { freePort } from './ports';

// A private Postfix front relay for tests: `postfix -c DIR`, its own queue, data and log, the
// pgsql maps from deploy/postfix/ connecting as a read-only role. /etc/postfix is never touched.
// Facts behind the choices: /work/shared/notes/routing.md §2-§3 and deploy/postfix/README.md.

export const POSTFIX_DEBIAN_PACKAGES = ['postfix', 'postfix-pgsql'];
/** The map files of deploy/postfix/, each `<map>.cf.tmpl`. */
export const POSTFIX_MAPS = [
  'domains',
  'mailboxes',
  'aliases',
  'transport',
  'recipient-access',
] as const;
export type PostfixMap = (typeof POSTFIX_MAPS)[number];
/** The only relations the relay's role may read. */
export const POSTFIX_ROUTING_VIEWS = ROUTING_VIEWS;

const HOST = '127.0.0.1';
const POSTFIX_USER = 'postfix';
const MASTER = '/usr/lib/postfix/sbin/master';
const START_TIMEOUT_MS = 30_000; // 2 shared cores
const STOP_TIMEOUT_MS = 10_000;
const KILL_TIMEOUT_MS = 3_000;
const POLL_MS = 50;
const GREETING_TIMEOUT_MS = 3_000;
const COMMAND_TIMEOUT_MS = 60_000;
const INSTANCE_MARKER = '# Roost front relay: main.cf template';

export interface PostfixDbConfig {
  host: string;
  port: number;
  name: string;
  user: string;
  password: string;
}

// ---- map files and lookups ---------------------------------------------------------------

/**
 * Renders deploy/postfix/<map>.cf.tmpl into `dir` for each map (root:postfix 0640 when run as
 * root, because they hold the password and proxymap reads them as user postfix). Returns the paths.
 */
export async function renderPostfixMaps(
  dir: string,
  db: PostfixDbConfig,
): Promise<Record<PostfixMap, string>> {
  const vars = {
    DB_HOST: configValue(db.host, 'db.host'),
    DB_PORT: configValue(String(db.port), 'db.port'),
    DB_NAME: configValue(db.name, 'db.name'),
    DB_USER: configValue(db.user, 'db.user'),
    DB_PASSWORD: configValue(db.password, 'db.password'),
  };
  await fs.mkdir(dir, { recursive: true });
  const group = isRoot() ? await postfixGroupId() : undefined;
  const files = {} as Record<PostfixMap, string>;
  for (const map of POSTFIX_MAPS) {
    const file = path.join(dir, `${map}.cf`);
    await writeRendered(`${map}.cf.tmpl`, file, vars, 0o640, group);
    files[map] = file;
  }
  return files;
}

/**
 * `postmap -q key pgsql:<mapFile>`: the answer (several rows joined by commas, as Postfix
 * sees them), or null when the key is not found. Any lookup error (connection, SQL) throws.
 * `configDir` holds the main.cf postmap reads (default: an empty one, not /etc/postfix).
 */
export async function postmapQuery(
  key: string,
  mapFile: string,
  configDir?: string,
): Promise<string | null> {
  await ensurePostfixInstalled();
  const args = ['-c', configDir ?? (await emptyConfigDir()), '-q', key, `pgsql:${mapFile}`];
  const result = await run('postmap', args);
  if (result.code === 0) return result.stdout.replace(/\n$/, '');
  // Not found is exit 1 and silence; errors are exit 1 (fatal) with a message on stderr.
  if (result.code === 1 && result.stderr.trim() === '' && result.stdout === '') return null;
  throw new Error(
    `postmap ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`,
  );
}

/** Connection settings for the map files, from a postgres:// URL with user and password. */
export function postfixDbConfig(databaseUrl: string): PostfixDbConfig {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(url.username);
  if (!url.hostname || !name || !user) {
    throw new Error(
      `database URL ${redact(databaseUrl)} needs a TCP host, a user and a database name`,
    );
  }
  return {
    host: url.hostname, // an IPv6 address keeps its brackets: inet:[::1]:5432
    port: url.port ? Number(url.port) : 5432,
    name,
    user,
    password: decodeURIComponent(url.password),
  };
}

let emptyConfig: Promise<string> | undefined;

/** postmap insists on a main.cf; /etc/postfix has none after a "No configuration" install. */
function emptyConfigDir(): Promise<string> {
  emptyConfig ??= (async () => {
    const dir = await fs.mkdtemp(path.join(tmpdir(), 'roost-postmap-'));
    await fs.writeFile(path.join(dir, 'main.cf'), '');
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return emptyConfig;
}

// ---- read-only role ----------------------------------------------------------------------

export interface RoutingRole {
  user: string;
  password: string;
  /** postgres://user:password@host:port/dbName, for the map files or startPostfix(). */
  databaseUrl: string;
  /** Revokes what the role holds in the database and drops the role (before or after the database is dropped). */
  drop(): Promise<void>;
}

/**
 * Creates (if missing) a LOGIN role that can read only the routing views of `dbName`, so that
 * Postfix never connects as a superuser. `admin` is a superuser URL (any database of the
 * cluster; the grants are made in dbName) or a pg Client already connected to dbName.
 * By default the role is per database (`<dbName>_postfix`) with a fresh password.
 */
export async function createRoutingRole(
  admin: string | Client,
  dbName: string,
  opts: { user?: string; password?: string } = {},
): Promise<RoutingRole> {
  const user = opts.user ?? `${dbName}_postfix`;
  const password = configValue(opts.password ?? randomBytes(18).toString('base64url'), 'password');

  await withDatabaseClient(admin, dbName, (c) => grantRoutingRole(c, user, password));

  const where = typeof admin === 'string' ? new URL(admin) : clientUrl(admin);
  const url = new URL(where.toString());
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.pathname = `/${encodeURIComponent(dbName)}`;
  url.search = '';

  return {
    user,
    password,
    databaseUrl: url.toString(),
    drop: () => dropRoutingRole(admin, dbName, user),
  };
}

async function dropRoutingRole(admin: string | Client, dbName: string, user: string) {
  const dropRole = async (c: Client) => {
    await c.query(`DROP ROLE IF EXISTS ${c.escapeIdentifier(user)}`);
  };
  if (typeof admin !== 'string') {
    await admin.query(`DROP OWNED BY ${admin.escapeIdentifier(user)}`).catch(ignoreMissingRole);
    await dropRole(admin);
    return;
  }
  try {
    await withDatabaseClient(admin, dbName, async (c) => {
      await c.query(`DROP OWNED BY ${c.escapeIdentifier(user)}`).catch(ignoreMissingRole);
      await dropRole(c);
    });
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err;
    // The database is gone, and with it every grant: drop the role from the admin database.
    const c = new Client({ connectionString: admin });
    await c.connect();
    try {
      await dropRole(c);
    } finally {
      await c.end();
    }
  }
}

function ignoreMissingRole(err: unknown): void {
  if ((err as { code?: string }).code !== '42704') throw err;
}

async function withDatabaseClient<T>(
  admin: string | Client,
  dbName: string,
  fn: (c: Client) => Promise<T>,
): Promise<T> {
  if (typeof admin !== 'string') {
    const { rows } = await admin.query<{ db: string }>('SELECT current_database() AS db');
    if (rows[0]?.db !== dbName) {
      throw new Error(`the admin client is connected to ${rows[0]?.db}, not to ${dbName}`);
    }
    return fn(admin);
  }
  const url = new URL(admin);
  url.pathname = `/${encodeURIComponent(dbName)}`;
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function clientUrl(c: Client): URL {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  return new URL(`postgres://${host}:${c.port}/`);
}

// ---- a running relay ---------------------------------------------------------------------

export interface PostfixQueueRecipient {
  address: string;
  orig_address?: string;
  delay_reason?: string;
}

/** One line of `postqueue -j` (postqueue(1)). */
export interface PostfixQueueEntry {
  queue_name: string;
  queue_id: string;
  arrival_time: number;
  message_size: number;
  forced_expire?: boolean;
  sender: string;
  recipients: PostfixQueueRecipient[];
}

export interface PostfixInstance {
  readonly host: typeof HOST;
  readonly smtpPort: number;
  /** The greeting is `220 <myhostname> ESMTP`. */
  readonly myhostname: string;
  /** main.cf, master.cf and the map files. */
  readonly configDir: string;
  readonly mapFiles: Readonly<Record<PostfixMap, string>>;
  readonly logFile: string;
  /** `postmap -q key pgsql:<map file>`: the answer, or null when not found. */
  postmap(key: string, map: PostfixMap): Promise<string | null>;
  /** `postfix reload`: clears qmgr's resolve cache and smtpd's cached lookup failures. */
  reload(): Promise<void>;
  /** `postqueue -f`. */
  flush(): Promise<void>;
  /** `postqueue -j`, parsed. */
  queue(): Promise<PostfixQueueEntry[]>;
  /** The maillog file ('' before anything was logged). */
  logText(): Promise<string>;
  /** `postfix stop` and wait until master is gone (SIGKILL to its process group after 10 s). */
  stop(): Promise<void>;
  isRunning(): boolean;
}

export interface StartPostfixOptions {
  /** The instance directory (etc/, queue/, data/, log/). Must be empty or hold an earlier instance. */
  rootDir: string;
  /** What the maps connect with: postgres://user:password@host:port/db of a non-superuser role (createRoutingRole). */
  databaseUrl: string;
}

const running = new Set<PostfixServer>();
let exitHookInstalled = false;

/** Renders the relay config into rootDir, runs `postfix check` and `start`, waits for the SMTP greeting. */
export async function startPostfix(opts: StartPostfixOptions): Promise<PostfixInstance> {
  await ensurePostfixInstalled();
  if (!isRoot()) {
    throw new Error('startPostfix must run as root: `postfix start` needs root for its queue');
  }
  const db = postfixDbConfig(opts.databaseUrl);
  await assertReadOnlyRole(opts.databaseUrl);

  const rootDir = path.resolve(opts.rootDir);
  const layout = {
    configDir: path.join(rootDir, 'etc'),
    queueDir: path.join(rootDir, 'queue'),
    dataDir: path.join(rootDir, 'data'),
    logFile: path.join(rootDir, 'log', 'postfix.log'),
  };
  configValue(rootDir, 'rootDir', /[\s,]/);
  await prepareInstanceDir(rootDir, layout);

  const smtpPort = await freePort();
  const myhostname = `relay-${randomBytes(4).toString('hex')}.roost.test`;
  const mainVars = {
    CONFIG_DIR: layout.configDir,
    QUEUE_DIR: layout.queueDir,
    DATA_DIR: layout.dataDir,
    MAILLOG_FILE: layout.logFile,
    MYHOSTNAME: myhostname,
    LISTEN_ADDRESS: HOST,
    // No trusted clients: a test client on 127.0.0.1 is treated like the public Internet.
    MYNETWORKS: '',
    // Tests must never send mail out (bounces to remote senders wait in the queue instead).
    DEFAULT_TRANSPORT: 'retry:4.4.0 this test relay sends nothing outside',
  };
  await writeRendered('main.cf.tmpl', path.join(layout.configDir, 'main.cf'), mainVars, 0o644);
  await writeRendered(
    'master.cf.tmpl',
    path.join(layout.configDir, 'master.cf'),
    { LISTEN_ADDRESS: HOST, SMTP_PORT: String(smtpPort) },
    0o644,
  );
  const mapFiles = await renderPostfixMaps(layout.configDir, db);

  const server = new PostfixServer(
    layout.configDir,
    layout.queueDir,
    layout.logFile,
    smtpPort,
    myhostname,
    mapFiles,
  );
  await server.checkConfig();
  await server.start();
  return server;
}

/** Stops every relay this process started (for after()/global teardown). */
export async function stopAllPostfix(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

class PostfixServer implements PostfixInstance {
  readonly host = HOST;
  private pid: number | undefined;

  constructor(
    readonly configDir: string,
    private readonly queueDir: string,
    readonly logFile: string,
    readonly smtpPort: number,
    readonly myhostname: string,
    readonly mapFiles: Readonly<Record<PostfixMap, string>>,
  ) {}

  isRunning(): boolean {
    return this.pid !== undefined && isMasterAlive(this.pid, this.configDir);
  }

  postmap(key: string, map: PostfixMap): Promise<string | null> {
    return postmapQuery(key, this.mapFiles[map], this.configDir);
  }

  async reload(): Promise<void> {
    await this.postfix('reload');
  }

  async flush(): Promise<void> {
    await this.command('postqueue', ['-c', this.configDir, '-f']);
  }

  async queue(): Promise<PostfixQueueEntry[]> {
    const out = await this.command('postqueue', ['-c', this.configDir, '-j']);
    return out
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as PostfixQueueEntry);
  }

  logText(): Promise<string> {
    return fs.readFile(this.logFile, 'utf8').catch(() => '');
  }

  /** `postfix check` creates the queue tree; its warnings go to the maillog, not to stderr. */
  async checkConfig(): Promise<void> {
    const postconf = await run('postconf', ['-c', this.configDir, '-n']);
    if (postconf.code !== 0 || postconf.stderr.trim() !== '') {
      throw new Error(`postconf -c ${this.configDir} -n complains:\n${postconf.stderr.trim()}`);
    }
    const logBefore = (await this.logText()).length;
    const check = await run('postfix', ['-c', this.configDir, 'check']);
    const logged = (await this.logText()).slice(logBefore);
    const problems = logged.split('\n').filter((line) => /(warning|fatal|error):/.test(line));
    if (check.code !== 0 || problems.length > 0) {
      throw new Error(
        `postfix -c ${this.configDir} check failed (exit ${check.code}):\n` +
          [check.stderr.trim(), ...problems].filter(Boolean).join('\n') +
          '\n(postfix check reports some fatal errors only to syslog; an unlisted maillog_file prefix is one)',
      );
    }
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    const deadline = Date.now() + START_TIMEOUT_MS;
    try {
      await this.postfix('start');
      this.pid = await this.waitForMaster(deadline);
      trackRunning(this);
      await this.waitForGreeting(deadline);
    } catch (err) {
      const log = (await this.logText()).trim().split('\n').slice(-20).join('\n');
      await this.stop().catch(() => undefined);
      throw new Error(
        `Postfix in ${this.configDir} did not start: ${(err as Error).message}\nmaillog:\n${log}`,
        { cause: err },
      );
    }
  }

  async stop(): Promise<void> {
    running.delete(this);
    const pid = this.pid ?? (await readPidFile(this.pidFile()));
    this.pid = undefined;
    if (pid === undefined || !isMasterAlive(pid, this.configDir)) return;
    await run('postfix', ['-c', this.configDir, 'stop']); // returns before master has exited
    if (await waitUntilGone(pid, this.configDir, STOP_TIMEOUT_MS)) return;
    signal(-pid, 'SIGKILL'); // master leads its process group
    if (await waitUntilGone(pid, this.configDir, KILL_TIMEOUT_MS)) return;
    throw new Error(`Postfix master ${pid} (${this.configDir}) survived postfix stop and SIGKILL`);
  }

  /** For the process 'exit' hook: master stops its children on SIGTERM. */
  terminateNow(): void {
    if (this.pid !== undefined && this.isRunning()) signal(this.pid, 'SIGTERM');
  }

  private pidFile(): string {
    return path.join(this.queueDir, 'pid', 'master.pid');
  }

  private async postfix(action: 'start' | 'reload'): Promise<void> {
    await this.command('postfix', ['-c', this.configDir, action]);
  }

  private async command(file: string, args: string[]): Promise<string> {
    const result = await run(file, args);
    if (result.code !== 0) {
      throw new Error(
        `${file} ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`,
      );
    }
    return result.stdout;
  }

  private async waitForMaster(deadline: number): Promise<number> {
    while (Date.now() < deadline) {
      const pid = await readPidFile(this.pidFile());
      if (pid !== undefined && isMasterAlive(pid, this.configDir)) return pid;
      await sleep(POLL_MS);
    }
    throw new Error(`no live master pid in ${this.pidFile()}`);
  }

  /** The hostname in the greeting proves the port is ours, not a process that grabbed it after freePort(). */
  private async waitForGreeting(deadline: number): Promise<void> {
    let lastError = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.isRunning()) throw new Error(`master exited (${lastError})`);
      try {
        const greeting = await readGreeting(this.smtpPort);
        if (greeting.startsWith(`220 ${this.myhostname} `)) return;
        throw new Error(
          `port ${this.smtpPort} greets with ${JSON.stringify(greeting)}, not as ${this.myhostname}`,
        );
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ECONNREFUSED' && code !== 'ECONNRESET' && code !== 'ETIMEDOUT') throw err;
        lastError = `${code} on port ${this.smtpPort}`;
      }
      await sleep(POLL_MS);
    }
    throw new Error(
      `timed out waiting for an SMTP greeting on ${HOST}:${this.smtpPort} (${lastError})`,
    );
  }
}

function readGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port });
    let text = '';
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(GREETING_TIMEOUT_MS, () =>
      fail(Object.assign(new Error('no greeting'), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', fail);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const line = /^(\d{3}) .*\r\n/m.exec(text);
      if (!line) return;
      socket.end('QUIT\r\n');
      socket.destroy();
      resolve(line[0].trimEnd());
    });
    socket.once('end', () =>
      fail(
        Object.assign(new Error(`closed after ${JSON.stringify(text)}`), { code: 'ECONNRESET' }),
      ),
    );
  });
}

// ---- instance directory ------------------------------------------------------------------

interface Layout {
  configDir: string;
  queueDir: string;
  dataDir: string;
  logFile: string;
}

async function prepareInstanceDir(rootDir: string, layout: Layout): Promise<void> {
  await removeEarlierInstance(rootDir, layout);
  await fs.mkdir(rootDir, { recursive: true });
  // proxymap reads the map files as user postfix: it must be able to enter every parent.
  await fs.chmod(rootDir, 0o755);
  await assertTraversableByPostfix(rootDir);
  await makeDir(layout.configDir, 0o755);
  await makeDir(layout.queueDir, 0o755); // root-owned; `postfix check` creates the tree inside
  await makeDir(path.dirname(layout.logFile), 0o755); // postlogd opens the file as root
  const postfix = await postfixOwner();
  await makeDir(layout.dataDir, 0o700, postfix);
}

/** A leftover from a crashed run: stop its master, then wipe it. Refuses other non-empty dirs. */
async function removeEarlierInstance(rootDir: string, layout: Layout): Promise<void> {
  const entries = await fs.readdir(rootDir).catch(() => undefined);
  if (entries === undefined || entries.length === 0) return;
  const mainCf = path.join(layout.configDir, 'main.cf');
  const ours = await fs.readFile(mainCf, 'utf8').then(
    (text) => text.startsWith(INSTANCE_MARKER),
    () => false,
  );
  if (!ours) {
    throw new Error(
      `${rootDir} is not empty and holds no Roost relay instance; refusing to use it`,
    );
  }
  const pid = await readPidFile(path.join(layout.queueDir, 'pid', 'master.pid'));
  if (pid !== undefined && isMasterAlive(pid, layout.configDir)) {
    await run('postfix', ['-c', layout.configDir, 'stop']);
    if (!(await waitUntilGone(pid, layout.configDir, STOP_TIMEOUT_MS))) signal(-pid, 'SIGKILL');
  }
  for (const entry of entries)
    await fs.rm(path.join(rootDir, entry), { recursive: true, force: true });
}

async function makeDir(dir: string, mode: number, owner?: Owner): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.chmod(dir, mode); // mkdir's mode is filtered by the umask
  if (owner) await fs.chown(dir, owner.uid, owner.gid);
}

async function assertTraversableByPostfix(dir: string): Promise<void> {
  const owner = await postfixOwner();
  for (let current = dir; ; current = path.dirname(current)) {
    const stat = await fs.stat(current);
    const bit = stat.uid === owner.uid ? 0o100 : stat.gid === owner.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) {
      throw new Error(
        `user postfix cannot enter ${current} (mode ${(stat.mode & 0o777).toString(8)}); put rootDir elsewhere`,
      );
    }
    if (path.dirname(current) === current) return;
  }
}

// ---- templates ---------------------------------------------------------------------------

/** deploy/postfix, found by walking up from the compiled file. */
export function postfixTemplateDir(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'deploy', 'postfix');
    if (existsSync(path.join(candidate, 'main.cf.tmpl'))) return candidate;
    if (path.dirname(dir) === dir) {
      throw new Error(`no deploy/postfix/main.cf.tmpl in any parent of ${from}`);
    }
  }
}

async function writeRendered(
  template: string,
  file: string,
  vars: Record<string, string>,
  mode: number,
  group?: number,
): Promise<void> {
  const text = await fs.readFile(path.join(postfixTemplateDir(), template), 'utf8');
  const rendered = text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new Error(`${template} uses {{${key}}}, which has no value`);
    return value;
  });
  // Create with the final mode, so the password is never readable by others, not even briefly.
  await fs.rm(file, { force: true });
  await fs.writeFile(file, rendered, { mode });
  await fs.chmod(file, mode);
  if (group !== undefined) await fs.chown(file, 0, group);
}

/** A value for a Postfix config line: one line, no surrounding blanks, no template braces. */
function configValue(value: string, label: string, forbidden: RegExp = /[\r\n\0]/): string {
  if (
    forbidden.test(value) ||
    /[\r\n\0]/.test(value) ||
    value !== value.trim() ||
    value.includes('{{')
  ) {
    throw new Error(`${label} cannot go into a Postfix config file: ${JSON.stringify(value)}`);
  }
  return value;
}

// ---- checks and small helpers --------------------------------------------------------------

let installed: Promise<void> | undefined;

function ensurePostfixInstalled(): Promise<void> {
  installed ??= ensureDebianPackages(
    POSTFIX_DEBIAN_PACKAGES,
    'The Postfix test harness (test/src/harness/postfix.ts)',
  ).catch((err: unknown) => {
    installed = undefined;
    throw err;
  });
  return installed;
}

/** The maps must never run as a superuser: check the URL's role before Postfix uses it. */
async function assertReadOnlyRole(databaseUrl: string): Promise<void> {
  const c = new Client({ connectionString: databaseUrl });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(`cannot connect with ${redact(databaseUrl)}: ${String(err)}`, { cause: err });
  }
  try {
    const { rows } = await c.query<{ rolsuper: boolean; rolbypassrls: boolean; missing: string[] }>(
      `SELECT r.rolsuper, r.rolbypassrls,
              array(SELECT v FROM unnest($1::text[]) v WHERE NOT has_table_privilege(v, 'SELECT')) AS missing
         FROM pg_roles r WHERE r.rolname = current_user`,
      [[...POSTFIX_ROUTING_VIEWS]],
    );
    const role = rows[0];
    if (role.rolsuper || role.rolbypassrls) {
      throw new Error(
        `${redact(databaseUrl)} is a superuser; the relay's maps must use a read-only role (createRoutingRole)`,
      );
    }
    if (role.missing.length > 0) {
      throw new Error(`${redact(databaseUrl)} cannot SELECT from ${role.missing.join(', ')}`);
    }
  } finally {
    await c.end();
  }
}

function redact(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

interface Owner {
  uid: number;
  gid: number;
}

let ownerLookup: Promise<Owner> | undefined;

function postfixOwner(): Promise<Owner> {
  ownerLookup ??= (async () => {
    const id = async (flag: string) =>
      Number.parseInt((await runOk('id', [flag, POSTFIX_USER])).trim(), 10);
    return { uid: await id('-u'), gid: await id('-g') };
  })();
  return ownerLookup;
}

async function postfixGroupId(): Promise<number> {
  return (await postfixOwner()).gid;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(`${file} ${args.join(' ')}: ${err.message}`, { cause: err }));
          return;
        }
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}

async function runOk(file: string, args: string[]): Promise<string> {
  const result = await run(file, args);
  if (result.code !== 0) {
    throw new Error(
      `${file} ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`,
    );
  }
  return result.stdout;
}

// ---- master process --------------------------------------------------------------------------

function trackRunning(server: PostfixServer): void {
  running.add(server);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const instance of running) instance.terminateNow();
  });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function waitUntilGone(pid: number, configDir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isMasterAlive(pid, configDir)) return true;
    await sleep(POLL_MS);
  }
  return !isMasterAlive(pid, configDir);
}

/**
 * master daemonises, so it is not our child: read /proc. A zombie counts as gone, and the
 * process must be Postfix's master with MAIL_CONFIG=configDir (`postfix -c` sets it), so a
 * reused pid or another instance's master is never taken for ours.
 */
function isMasterAlive(pid: number, configDir: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (cmdline[0] !== MASTER) return false;
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return environ.includes(`MAIL_CONFIG=${configDir}`);
  } catch {
    return false;
  }
}

async function readPidFile(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}
