import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { connect } from 'node:net';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ensureDebianPackages } from './apt';
import { freePort } from './ports';
import {
  RoostSaslauthd,
  SASLAUTHD_DEBIAN_PACKAGES,
  stopLeftoverSaslauthd,
  type RoostAuthOptions,
} from './saslauthd';

// Real Cyrus IMAP backends for tests, one directory tree and one `master` per instance.
// Facts behind the choices here: /work/shared/notes/cyrus.md §1-§2 and deploy/cyrus/README.md.

const execFileAsync = promisify(execFile);

export const CYRUS_DEBIAN_PACKAGES = [
  'cyrus-imapd',
  'cyrus-pop3d',
  'sasl2-bin',
  'libsasl2-modules-db',
];
const CYRUS_BIN = '/usr/lib/cyrus/bin';
const MASTER = `${CYRUS_BIN}/master`;
const CYR_INFO = `${CYRUS_BIN}/cyr_info`;
const SASLPASSWD2 = '/usr/sbin/saslpasswd2';
const HOST = '127.0.0.1';
const ADMIN_USER = 'cyrus';
const CONFIG_SUBDIRS = [
  'db',
  'proc',
  'socket',
  'log',
  'msg',
  'user',
  'quota',
  'lock',
  'sieve',
  'sync',
];
const START_TIMEOUT_MS = 30_000; // generous: CI boxes have 2 shared cores
const STOP_TIMEOUT_MS = 10_000;
const KILL_TIMEOUT_MS = 3_000;
const POLL_MS = 50;
const BANNER_TIMEOUT_MS = 3_000;
const UNIX_SOCKET_PATH_MAX = 107; // sun_path is 108 bytes including the NUL
const SYSLOG_HINT =
  'Cyrus logs everything else to syslog (/dev/log) only; without a syslog daemon those messages are lost. ' +
  'Run a syslog sink on /dev/log and retry to see them.';

export interface CyrusInstance {
  readonly name: string;
  readonly host: typeof HOST;
  readonly imapPort: number;
  readonly pop3Port: number;
  readonly lmtpPort: number;
  readonly sievePort: number;
  readonly adminUser: typeof ADMIN_USER;
  readonly adminPassword: string;
  /** Instance root: etc/, run/, config/, spool/, sasldb2. */
  readonly dir: string;
  /** For Cyrus CLI tools (`mbpath -C`, `reconstruct -C`, ...). */
  readonly imapdConfPath: string;
  /** With `roostAuth`: how long saslauthd caches a good login (s); 0 = no cache. */
  readonly credentialCacheTtlSeconds: number | undefined;
  /** `alice@example.com` gets realm example.com; a bare id (the admin) gets realm = servername. */
  setUserPassword(address: string, password: string): Promise<void>;
  /** SIGTERM master and wait until it is gone (SIGKILL to its process group after 10 s). */
  stop(): Promise<void>;
  /** Start again after stop(): same ports, same data. */
  start(): Promise<void>;
  isRunning(): boolean;
}

export interface StartCyrusOptions {
  /** Also the servername and the admin's SASL realm: lowercase letters, digits, dashes. */
  name: string;
  /** The instance lives in rootDir/name; an earlier instance there is stopped and wiped (unless keepData). */
  rootDir: string;
  adminPassword?: string;
  /** Fixed ports (the local fleet of `npm start`); free ports by default (pop3 too when omitted). */
  ports?: { imap: number; lmtp: number; sieve: number; pop3?: number };
  /** Keep an earlier instance's mail and users (it is still stopped and reconfigured). */
  keepData?: boolean;
  /**
   * Check mail users' passwords against Roost (saslauthd -> PAM -> /api/mail-auth/verify, see
   * deploy/cyrus/README.md) instead of only this instance's sasldb. The admin stays in sasldb.
   */
  roostAuth?: RoostAuthOptions;
}

interface Owner {
  uid: number;
  gid: number;
}

const running = new Set<CyrusServer>();
let exitHookInstalled = false;

/** Creates a fresh instance under rootDir/name, starts it and waits until IMAP, LMTP and sieve answer. */
export async function startCyrus(opts: StartCyrusOptions): Promise<CyrusInstance> {
  assertInstanceName(opts.name);
  const adminPassword = opts.adminPassword ?? randomBytes(12).toString('base64url');
  assertConfigValue(adminPassword, 'adminPassword');
  await ensureDebianPackages(
    opts.roostAuth
      ? [...CYRUS_DEBIAN_PACKAGES, ...SASLAUTHD_DEBIAN_PACKAGES]
      : CYRUS_DEBIAN_PACKAGES,
    'The Cyrus test harness (test/src/harness/cyrus.ts)',
  );
  assertRoot();

  const dir = path.resolve(opts.rootDir, opts.name);
  assertConfigValue(dir, 'instance directory');
  assertUnixSocketPath(path.join(dir, 'config', 'socket', 'lmtp'));
  const owner = await cyrusOwner();
  const [imapPort, lmtpPort, sievePort, pop3Port] = opts.ports
    ? [
        opts.ports.imap,
        opts.ports.lmtp,
        opts.ports.sieve,
        opts.ports.pop3 ?? (await freePortNotIn(Object.values(opts.ports))),
      ]
    : await distinctFreePorts(4);

  await prepareInstanceDir(dir, owner, opts.keepData ?? false);
  await assertTraversableBy(dir, owner);
  await writeConfigs(dir, {
    DIR: dir,
    SERVERNAME: opts.name,
    ADMIN_PASSWORD: adminPassword,
    BIND_HOST: HOST,
    IMAP_PORT: String(imapPort),
    POP3_PORT: String(pop3Port),
    LMTP_PORT: String(lmtpPort),
    SIEVE_PORT: String(sievePort),
  });
  await assertConfLintClean(path.join(dir, 'etc', 'imapd.conf'));
  let saslauthd: RoostSaslauthd | undefined;
  if (opts.roostAuth) {
    saslauthd = new RoostSaslauthd(
      dir,
      opts.name,
      opts.roostAuth,
      path.join(findRepoRoot(), 'deploy', 'cyrus'),
      renderTemplate,
    );
    await saslauthd.prepare(owner.gid);
  }

  const server = new CyrusServer(
    opts.name,
    dir,
    { imap: imapPort, pop3: pop3Port, lmtp: lmtpPort, sieve: sievePort },
    adminPassword,
    owner,
    saslauthd,
  );
  await server.setUserPassword(ADMIN_USER, adminPassword);
  await server.start();
  return server;
}

/** Stops every instance this process started (for after()/global teardown). */
export async function stopAllCyrus(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

class CyrusServer implements CyrusInstance {
  readonly host = HOST;
  readonly adminUser = ADMIN_USER;
  readonly imapdConfPath: string;
  private readonly cyrusConfPath: string;
  private readonly pidFile: string;
  private readonly masterLog: string;
  private readonly sasldb: string;
  readonly imapPort: number;
  readonly pop3Port: number;
  readonly lmtpPort: number;
  readonly sievePort: number;
  private pid: number | undefined;
  private saslQueue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly dir: string,
    ports: { imap: number; pop3: number; lmtp: number; sieve: number },
    readonly adminPassword: string,
    private readonly owner: Owner,
    private readonly saslauthd: RoostSaslauthd | undefined,
  ) {
    this.imapPort = ports.imap;
    this.pop3Port = ports.pop3;
    this.lmtpPort = ports.lmtp;
    this.sievePort = ports.sieve;
    this.imapdConfPath = path.join(dir, 'etc', 'imapd.conf');
    this.cyrusConfPath = path.join(dir, 'etc', 'cyrus.conf');
    this.pidFile = path.join(dir, 'run', 'master.pid');
    this.masterLog = path.join(dir, 'run', 'master.log');
    this.sasldb = path.join(dir, 'sasldb2');
  }

  get credentialCacheTtlSeconds(): number | undefined {
    return this.saslauthd?.cacheTtlSeconds;
  }

  isRunning(): boolean {
    return this.pid !== undefined && isMasterAlive(this.pid, this.imapdConfPath);
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    await fs.rm(this.pidFile, { force: true }); // a stale pidfile would be mistaken for the new master
    const deadline = Date.now() + START_TIMEOUT_MS;
    if (this.saslauthd) {
      trackRunning(this);
      await this.saslauthd.start();
    }
    const exit = await runMaster([
      '-C',
      this.imapdConfPath,
      '-M',
      this.cyrusConfPath,
      '-p',
      this.pidFile,
      '-d',
      '-L',
      this.masterLog,
    ]);
    try {
      if (exit.code !== 0)
        throw new Error(`master exited with ${exit.code ?? exit.signal} before daemonising`);
      this.pid = await this.waitForPid(deadline);
      trackRunning(this);
      await this.waitForServices(deadline);
    } catch (err) {
      const details = await this.diagnostics(exit.output);
      await this.stop().catch(() => undefined);
      throw new Error(
        `Cyrus instance "${this.name}" (${this.dir}) did not start: ${(err as Error).message}\n${details}`,
        {
          cause: err,
        },
      );
    }
  }

  async stop(): Promise<void> {
    const pid = this.pid;
    running.delete(this);
    if (pid !== undefined && isMasterAlive(pid, this.imapdConfPath)) {
      await terminateMaster(pid, this.imapdConfPath, `Cyrus instance "${this.name}"`);
    }
    this.pid = undefined;
    await this.saslauthd?.stop();
  }

  /** Synchronous SIGTERM without waiting, for the process 'exit' hook. */
  terminateNow(): void {
    if (this.pid !== undefined && this.isRunning()) signal(this.pid, 'SIGTERM');
    this.saslauthd?.terminateNow();
  }

  setUserPassword(address: string, password: string): Promise<void> {
    // saslpasswd2 runs must not overlap on one sasldb file
    const run = this.saslQueue.then(() => this.writeSaslPassword(address, password));
    this.saslQueue = run.catch(() => undefined);
    return run;
  }

  private async writeSaslPassword(address: string, password: string): Promise<void> {
    const { user, realm } = saslIdentity(address, this.name);
    if (password === '' || /[\r\n\0]/.test(password)) {
      throw new Error('setUserPassword: the password must be non-empty and on one line');
    }
    // -p reads the password from stdin, so it never shows up in ps
    const result = await runWithInput(
      SASLPASSWD2,
      ['-p', '-c', '-f', this.sasldb, '-u', realm, user],
      password,
    );
    if (result.code !== 0) {
      throw new Error(
        `saslpasswd2 for ${user}@${realm} failed (exit ${result.code}): ${result.output.trim()}`,
      );
    }
    // saslpasswd2 runs as root; imapd reads the db as cyrus
    await fs.chown(this.sasldb, this.owner.uid, this.owner.gid);
    await fs.chmod(this.sasldb, 0o640);
  }

  private async waitForPid(deadline: number): Promise<number> {
    while (Date.now() < deadline) {
      const pid = await readPidFile(this.pidFile);
      if (pid !== undefined && isMasterAlive(pid, this.imapdConfPath)) return pid;
      await sleep(POLL_MS);
    }
    throw new Error(`no live master pid in ${this.pidFile}`);
  }

  private async waitForServices(deadline: number): Promise<void> {
    // The servername in the banners proves the port is ours and not a process that grabbed it after freePort().
    const alive = () => this.isRunning();
    await waitForBanner(
      this.imapPort,
      (text) => text.includes('\r\n'),
      deadline,
      alive,
      (text) => text.startsWith('* OK') && text.includes(` ${this.name} Cyrus IMAP`),
    );
    await waitForBanner(
      this.pop3Port,
      (text) => text.includes('\r\n'),
      deadline,
      alive,
      (text) => text.startsWith(`+OK ${this.name} Cyrus POP3`),
    );
    await waitForBanner(
      this.lmtpPort,
      (text) => text.includes('\r\n'),
      deadline,
      alive,
      (text) => text.startsWith(`220 ${this.name} `),
    );
    await waitForBanner(
      this.sievePort,
      (text) => /^OK/m.test(text),
      deadline,
      alive,
      (text) => text.startsWith('"IMPLEMENTATION" "Cyrus timsieved'),
    );
  }

  private async diagnostics(masterOutput: string): Promise<string> {
    const log = await fs.readFile(this.masterLog, 'utf8').catch(() => '');
    const lint = await confLint(this.imapdConfPath).catch(
      (err: Error) => `(cyr_info failed: ${err.message})`,
    );
    const pidState =
      this.pid === undefined ? 'no pid' : `pid ${this.pid} ${this.isRunning() ? 'alive' : 'gone'}`;
    return [
      `master: ${MASTER} -C ${this.imapdConfPath} -M ${this.cyrusConfPath} -d (${pidState})`,
      `master stdout/stderr: ${masterOutput.trim() || '(empty)'}`,
      `master -L log ${this.masterLog}: ${log.trim() || '(empty)'}`,
      `cyr_info conf-lint: ${lint.trim() || '(clean)'}`,
      SYSLOG_HINT,
    ].join('\n');
  }
}

// ---- process handling -------------------------------------------------------------------

interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs `master -d`: it forks the daemon and exits; errors before that arrive on stdout/stderr. */
function runMaster(args: string[]): Promise<ExitResult> {
  return runWithInput(MASTER, args, undefined);
}

function runWithInput(
  command: string,
  args: string[],
  input: string | undefined,
): Promise<ExitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    // 'exit', not 'close': a daemon child could keep inherited pipes open
    child.once('exit', (code, signal) => resolve({ code, signal, output }));
    child.stdin.end(input);
  });
}

/** SIGTERM, wait; then SIGKILL the whole process group (master is its leader after setsid). */
async function terminateMaster(pid: number, imapdConfPath: string, label: string): Promise<void> {
  signal(pid, 'SIGTERM');
  if (await waitUntilGone(pid, imapdConfPath, STOP_TIMEOUT_MS)) return;
  signal(-pid, 'SIGKILL');
  if (await waitUntilGone(pid, imapdConfPath, KILL_TIMEOUT_MS)) return;
  throw new Error(`${label}: master pid ${pid} survived SIGTERM and SIGKILL`);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function waitUntilGone(
  pid: number,
  imapdConfPath: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isMasterAlive(pid, imapdConfPath)) return true;
    await sleep(POLL_MS);
  }
  return !isMasterAlive(pid, imapdConfPath);
}

/**
 * The daemonised master is not our child, so check /proc: a zombie counts as gone (some
 * container inits never reap), and the command line must name our imapd.conf (pid reuse).
 */
function isMasterAlive(pid: number, imapdConfPath: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(imapdConfPath);
  } catch {
    return false;
  }
}

async function readPidFile(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

function trackRunning(server: CyrusServer): void {
  running.add(server);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test run dies without stopAllCyrus(): masters shut down on their own after SIGTERM.
  process.once('exit', () => {
    for (const instance of running) instance.terminateNow();
  });
}

// ---- readiness ----------------------------------------------------------------------------

async function waitForBanner(
  port: number,
  complete: (text: string) => boolean,
  deadline: number,
  alive: () => boolean,
  isOurs: (text: string) => boolean,
): Promise<void> {
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (!alive()) {
      throw new Error(
        `master exited while waiting for port ${port} (${lastError}); ` +
          'it exits quietly on a cyrus.conf error, an unreadable config or a locked pidfile',
      );
    }
    try {
      const text = await readBanner(port, complete);
      if (isOurs(text)) return;
      throw new Error(
        `port ${port} answered with a banner that is not this instance's: ${JSON.stringify(text.slice(0, 200))}`,
      );
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ECONNREFUSED' && code !== 'ECONNRESET' && code !== 'ETIMEDOUT') throw err;
      lastError = `${code} on port ${port}`;
    }
    await sleep(POLL_MS);
  }
  throw new Error(
    `timed out after ${START_TIMEOUT_MS} ms waiting for a banner on ${HOST}:${port} (${lastError}); ` +
      'master is running, so the service probably failed to bind (port taken?) or its cmd= is wrong',
  );
}

/** Connects and collects what the server says unprompted until `complete` is satisfied. */
export function readBanner(
  port: number,
  complete: (text: string) => boolean,
  host = HOST,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let text = '';
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(BANNER_TIMEOUT_MS, () =>
      fail(
        Object.assign(new Error(`no complete banner within ${BANNER_TIMEOUT_MS} ms`), {
          code: 'ETIMEDOUT',
        }),
      ),
    );
    socket.once('error', fail);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!complete(text)) return;
      socket.destroy();
      resolve(text);
    });
    socket.once('end', () =>
      fail(
        Object.assign(new Error(`connection closed after ${JSON.stringify(text)}`), {
          code: 'ECONNRESET',
        }),
      ),
    );
  });
}

// ---- instance tree and configuration --------------------------------------------------------

async function prepareInstanceDir(dir: string, owner: Owner, keepData: boolean): Promise<void> {
  await removeEarlierInstance(dir, keepData);
  await makeDir(dir, 0o755);
  await makeDir(path.join(dir, 'etc'), 0o755);
  await makeDir(path.join(dir, 'run'), 0o755); // master writes its pidfile as root, before dropping privileges
  await makeDir(path.join(dir, 'config'), 0o750, owner);
  await makeDir(path.join(dir, 'spool'), 0o750, owner);
  for (const sub of CONFIG_SUBDIRS) {
    await makeDir(path.join(dir, 'config', sub), sub === 'socket' ? 0o750 : 0o700, owner);
  }
}

/** A leftover from a crashed run in the same place: stop its master, then wipe it. */
async function removeEarlierInstance(dir: string, keepData: boolean): Promise<void> {
  const entries = await fs.readdir(dir).catch(() => undefined);
  if (entries === undefined || entries.length === 0) return;
  const imapdConfPath = path.join(dir, 'etc', 'imapd.conf');
  if (!existsSync(imapdConfPath)) {
    throw new Error(`${dir} exists and is not a Cyrus instance directory; refusing to wipe it`);
  }
  const pid = await readPidFile(path.join(dir, 'run', 'master.pid'));
  if (pid !== undefined && isMasterAlive(pid, imapdConfPath)) {
    await terminateMaster(pid, imapdConfPath, `leftover Cyrus instance in ${dir}`);
  }
  await stopLeftoverSaslauthd(dir);
  if (!keepData) await fs.rm(dir, { recursive: true, force: true });
}

async function makeDir(dir: string, mode: number, owner?: Owner): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.chmod(dir, mode); // mkdir's mode is filtered by the umask
  if (owner) await fs.chown(dir, owner.uid, owner.gid);
}

async function writeConfigs(dir: string, vars: Record<string, string>): Promise<void> {
  const templates = path.join(findRepoRoot(), 'deploy', 'cyrus');
  const imapdConf = path.join(dir, 'etc', 'imapd.conf');
  const cyrusConf = path.join(dir, 'etc', 'cyrus.conf');
  await fs.writeFile(
    imapdConf,
    renderTemplate(await fs.readFile(path.join(templates, 'imapd.conf.tmpl'), 'utf8'), vars),
  );
  await fs.writeFile(
    cyrusConf,
    renderTemplate(await fs.readFile(path.join(templates, 'cyrus.conf.tmpl'), 'utf8'), vars),
  );
  // imapd.conf holds proxy_password: readable by root and group mail (the cyrus user) only
  await fs.chown(imapdConf, 0, (await cyrusOwner()).gid);
  await fs.chmod(imapdConf, 0o640);
  await fs.chmod(cyrusConf, 0o644);
}

/** Replaces every {{NAME}}; a placeholder without a value is an error, not an empty string. */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined)
      throw new Error(`Cyrus config template uses {{${key}}}, which has no value`);
    return value;
  });
}

/** The folder holding deploy/cyrus, found by walking up from the compiled file. */
export function findRepoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'deploy', 'cyrus', 'imapd.conf.tmpl'))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`no deploy/cyrus/imapd.conf.tmpl in any parent of ${from}`);
  }
}

async function assertConfLintClean(imapdConfPath: string): Promise<void> {
  const unknown = (await confLint(imapdConfPath)).trim();
  if (unknown !== '')
    throw new Error(`${imapdConfPath} has options Cyrus does not know:\n${unknown}`);
}

/** `cyr_info conf-lint` prints the imapd.conf lines Cyrus does not recognise. */
async function confLint(imapdConfPath: string): Promise<string> {
  // -M too, or cyr_info reads the system's /etc/cyrus.conf
  const cyrusConfPath = path.join(path.dirname(imapdConfPath), 'cyrus.conf');
  const args = ['-C', imapdConfPath, '-M', cyrusConfPath, 'conf-lint'];
  const { stdout, stderr } = await execFileAsync(CYR_INFO, args);
  return `${stdout}${stderr}`;
}

// ---- checks and small helpers ------------------------------------------------------------------

let ownerLookup: Promise<Owner> | undefined;

/** uid of user cyrus and its primary group (mail on Debian); the uid differs between machines. */
function cyrusOwner(): Promise<Owner> {
  ownerLookup ??= (async () => {
    const id = async (flag: string) =>
      Number.parseInt((await execFileAsync('id', [flag, ADMIN_USER])).stdout, 10);
    return { uid: await id('-u'), gid: await id('-g') };
  })();
  return ownerLookup;
}

async function freePortNotIn(taken: number[]): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!taken.includes(port)) return port;
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function saslIdentity(address: string, servername: string): { user: string; realm: string } {
  const parts = address.split('@');
  const [user, realm = servername] = parts;
  if (parts.length > 2 || !user || !realm || /[\s\0]/.test(address)) {
    throw new Error(`setUserPassword: "${address}" is not a user id (name or name@domain)`);
  }
  return { user, realm };
}

function assertInstanceName(name: string): void {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) {
    throw new Error(
      `Cyrus instance name "${name}" must be lowercase letters, digits and dashes (it is the servername)`,
    );
  }
}

/** Values go into imapd.conf lines and quoted cyrus.conf cmd= strings. */
function assertConfigValue(value: string, label: string): void {
  if (value === '' || /[\s"'\\]/.test(value)) {
    throw new Error(
      `${label} must be non-empty without whitespace, quotes or backslashes: ${JSON.stringify(value)}`,
    );
  }
}

function assertUnixSocketPath(socketPath: string): void {
  if (Buffer.byteLength(socketPath) > UNIX_SOCKET_PATH_MAX) {
    throw new Error(
      `LMTP socket path ${socketPath} is longer than ${UNIX_SOCKET_PATH_MAX} bytes; use a shorter rootDir`,
    );
  }
}

function assertRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'startCyrus must run as root: Cyrus master binds its ports as root and then drops to user cyrus',
    );
  }
}

/** Cyrus runs as user cyrus, so every parent of the instance must let it through (e.g. not under /root). */
async function assertTraversableBy(dir: string, owner: Owner): Promise<void> {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const stat = await fs.stat(current);
    const bit = stat.uid === owner.uid ? 0o100 : stat.gid === owner.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) {
      throw new Error(
        `user cyrus cannot enter ${current} (mode ${(stat.mode & 0o777).toString(8)}); chmod it 0755 (mkdtemp makes 0700) or put rootDir elsewhere`,
      );
    }
    if (path.dirname(current) === current) return;
  }
}
