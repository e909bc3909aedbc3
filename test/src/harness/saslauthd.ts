import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// One saslauthd per Cyrus instance that checks mail users' passwords against Roost:
// imapd/pop3d/timsieved -> libsasl (sasl_pwcheck_method: auxprop saslauthd) -> saslauthd -a pam
// -> PAM service imap|pop|sieve -> pam_exec roost-pam-check -> POST /api/mail-auth/verify.
// Everything is described in deploy/cyrus/README.md ("Mail users' passwords").

const SASLAUTHD = '/usr/sbin/saslauthd';
const UNSHARE = '/usr/bin/unshare';
/** The SASL service names Cyrus 3.6 uses: imapd "imap", pop3d "pop", timsieved "sieve". */
export const SASL_SERVICES = ['imap', 'pop', 'sieve'] as const;
export const SASLAUTHD_DEBIAN_PACKAGES = ['sasl2-bin', 'libpam-modules', 'curl'];
export const DEFAULT_CREDENTIAL_CACHE_TTL_S = 60;
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 50;

export interface RoostAuthOptions {
  /** Roost's verify endpoint, e.g. http://127.0.0.1:8080/api/mail-auth/verify. */
  url: string;
  /** ROOST_MAIL_AUTH_SECRET. */
  secret: string;
  /** This backend's name in Roost's backends table: logins of users routed elsewhere are refused. */
  backendName?: string;
  /** saslauthd's credential cache (-t). 0 turns the cache off. */
  cacheTtlSeconds?: number;
}

/** Paths of the Roost password check inside a Cyrus instance tree. */
export function saslauthdPaths(instanceDir: string) {
  return {
    runDir: path.join(instanceDir, 'run', 'saslauthd'),
    pamDir: path.join(instanceDir, 'etc', 'pam.d'),
    script: path.join(instanceDir, 'etc', 'roost-pam-check'),
    curlConfig: path.join(instanceDir, 'etc', 'roost-mail-auth.curl'),
  };
}

export class RoostSaslauthd {
  private readonly paths: ReturnType<typeof saslauthdPaths>;
  private pid: number | undefined;

  constructor(
    instanceDir: string,
    /** The Cyrus servername: the realm of domain-less (local) logins, never sent to Roost. */
    private readonly servername: string,
    private readonly opts: RoostAuthOptions,
    /** deploy/cyrus: the script and the templates. */
    private readonly deployDir: string,
    private readonly render: (template: string, vars: Record<string, string>) => string,
  ) {
    this.paths = saslauthdPaths(instanceDir);
  }

  get cacheTtlSeconds(): number {
    return this.opts.cacheTtlSeconds ?? DEFAULT_CREDENTIAL_CACHE_TTL_S;
  }

  /**
   * Writes the PAM service files, the script and its root-only curl config into the instance.
   * `mailGid`: the group imapd runs as, which must reach the mux socket.
   */
  async prepare(mailGid: number): Promise<void> {
    const { runDir, pamDir, script, curlConfig } = this.paths;
    const url = new URL(this.opts.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`roostAuth.url must be http(s): ${this.opts.url}`);
    }
    if (!/^[\x21-\x7e]{16,}$/.test(this.opts.secret) || /["\\]/.test(this.opts.secret)) {
      throw new Error(
        'roostAuth.secret must be 16+ printable characters without quotes or backslashes',
      );
    }
    const backend = this.opts.backendName ?? '';
    if (!/^[a-z0-9._-]*$/.test(backend))
      throw new Error(`roostAuth.backendName "${backend}" is not a backend name`);

    await fs.mkdir(runDir, { recursive: true });
    await fs.chown(runDir, 0, mailGid);
    await fs.chmod(runDir, 0o750);
    await fs.mkdir(pamDir, { recursive: true, mode: 0o755 });

    await fs.copyFile(path.join(this.deployDir, 'roost-pam-check'), script);
    await fs.chmod(script, 0o700);
    const curl = this.render(await this.template('mail-auth.curl.tmpl'), {
      VERIFY_URL: url.toString(),
      MAIL_AUTH_SECRET: this.opts.secret,
    });
    await fs.writeFile(curlConfig, curl, { mode: 0o600 });
    await fs.chmod(curlConfig, 0o600);

    const pam = this.render(await this.template('pam-service.tmpl'), {
      PAM_CHECK: script,
      PAM_CHECK_CONFIG: curlConfig,
      BACKEND_NAME: backend,
      SERVERNAME: this.servername,
    });
    for (const service of SASL_SERVICES) await fs.writeFile(path.join(pamDir, service), pam);
    // Any other service name (lmtp, a typo) is refused.
    await fs.writeFile(
      path.join(pamDir, 'other'),
      'auth required pam_deny.so\naccount required pam_deny.so\n',
    );
  }

  /**
   * Starts saslauthd in its own mount namespace where the instance's pam.d is bind-mounted over
   * /etc/pam.d: the host's PAM files stay untouched and every instance can ask its own Roost.
   * (A real backend host simply installs the same files as /etc/pam.d/{imap,pop,sieve}.)
   */
  async start(): Promise<void> {
    if (this.isRunning()) return;
    const { runDir, pamDir } = this.paths;
    const pidFile = path.join(runDir, 'saslauthd.pid');
    await fs.rm(pidFile, { force: true });
    await fs.rm(path.join(runDir, 'mux'), { force: true });
    const args = [
      '--mount',
      '/bin/sh',
      '-c',
      'mount --bind "$1" /etc/pam.d && shift && exec "$@"',
      'sh',
      pamDir,
      SASLAUTHD,
      '-a',
      'pam',
      '-m',
      runDir,
      '-r', // user@realm: Cyrus passes "alice" and realm "example.com"
      '-n',
      '3',
      ...(this.cacheTtlSeconds > 0 ? ['-c', '-t', String(this.cacheTtlSeconds)] : []),
    ];
    const result = await run(UNSHARE, args);
    if (result.code !== 0) {
      throw new Error(
        `saslauthd did not start (exit ${result.code}): ${result.output.trim()}\n` +
          'The harness runs it under `unshare --mount` (needs root with CAP_SYS_ADMIN) so that the ' +
          "instance's PAM files replace /etc/pam.d for saslauthd only.",
      );
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const pid = await readPid(pidFile);
      const socketReady = await fs
        .stat(path.join(runDir, 'mux'))
        .then((s) => s.isSocket())
        .catch(() => false);
      if (pid !== undefined && isSaslauthd(pid, runDir) && socketReady) {
        this.pid = pid;
        return;
      }
      await sleep(POLL_MS);
    }
    throw new Error(`saslauthd did not create ${runDir}/mux within ${START_TIMEOUT_MS} ms`);
  }

  isRunning(): boolean {
    return this.pid !== undefined && isSaslauthd(this.pid, this.paths.runDir);
  }

  /** SIGTERM the parent; it takes its worker processes down with it. */
  async stop(): Promise<void> {
    const pid = this.pid;
    this.pid = undefined;
    if (pid === undefined || !isSaslauthd(pid, this.paths.runDir)) return;
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!isSaslauthd(pid, this.paths.runDir)) return;
      await sleep(POLL_MS);
    }
    signal(-pid, 'SIGKILL');
  }

  /** Synchronous SIGTERM for the process 'exit' hook. */
  terminateNow(): void {
    if (this.pid !== undefined && this.isRunning()) signal(this.pid, 'SIGTERM');
  }

  private template(name: string): Promise<string> {
    return fs.readFile(path.join(this.deployDir, name), 'utf8');
  }
}

/** Stops a saslauthd left running in an instance tree by a crashed run. */
export async function stopLeftoverSaslauthd(instanceDir: string): Promise<void> {
  const { runDir } = saslauthdPaths(instanceDir);
  const pid = await readPid(path.join(runDir, 'saslauthd.pid'));
  if (pid === undefined || !isSaslauthd(pid, runDir)) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isSaslauthd(pid, runDir) && Date.now() < deadline) await sleep(POLL_MS);
}

/** saslauthd daemonises (setsid); check /proc that the pid is still ours. */
function isSaslauthd(pid: number, runDir: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(runDir);
  } catch {
    return false;
  }
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    // 'exit', not 'close': the daemonised saslauthd keeps the inherited pipes open
    child.once('exit', (code) => {
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, output });
    });
  });
}
