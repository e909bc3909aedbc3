import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureDebianPackages } from './apt';
import { findRepoRoot, readBanner, renderTemplate } from './cyrus';
import { freePort } from './ports';

// The real IMAP/POP3 proxy for tests: Debian's nginx with the mail module, configured from
// deploy/nginx/nginx.conf.tmpl, asking Roost's auth_http endpoint where each user lives.

export const NGINX_DEBIAN_PACKAGES = ['nginx', 'libnginx-mod-mail'];
const NGINX = '/usr/sbin/nginx';
const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 50;
/** What deploy/nginx/nginx.conf.tmpl allows inside its quoted auth_http_header value. */
const SECRET_PATTERN = /^[A-Za-z0-9._~+/=-]{16,}$/;

export interface MailProxy {
  readonly host: typeof HOST;
  readonly imapPort: number;
  readonly pop3Port: number;
  /** nginx's error log ('info': one line per failed login, with Roost's reason). */
  readonly errorLog: string;
  stop(): Promise<void>;
}

export interface StartMailProxyOptions {
  /** The proxy lives in rootDir/name (default name "nginx"); an earlier one there is replaced. */
  rootDir: string;
  name?: string;
  /** Roost's auth_http endpoint, e.g. http://127.0.0.1:8080/api/mail-auth/nginx. */
  authHttpUrl: string;
  /** ROOST_MAIL_AUTH_SECRET of that API. */
  secret: string;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Renders the config, starts nginx in the foreground as a child, waits for both greetings. */
export async function startMailProxy(opts: StartMailProxyOptions): Promise<MailProxy> {
  if (!SECRET_PATTERN.test(opts.secret)) {
    throw new Error(
      'startMailProxy: the secret must be 16+ characters from A-Z a-z 0-9 . _ ~ + / = -',
    );
  }
  const url = new URL(opts.authHttpUrl);
  if (url.protocol !== 'http:') throw new Error('startMailProxy: authHttpUrl must be http://');
  await ensureDebianPackages(
    NGINX_DEBIAN_PACKAGES,
    'The mail proxy harness (test/src/harness/nginx.ts)',
  );

  const dir = path.resolve(opts.rootDir, opts.name ?? 'nginx');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const [imapPort, pop3Port] = await distinctFreePorts(2);
  const conf = path.join(dir, 'nginx.conf');
  const errorLog = path.join(dir, 'error.log');
  const template = await fs.readFile(
    path.join(findRepoRoot(), 'deploy', 'nginx', 'nginx.conf.tmpl'),
    'utf8',
  );
  const rendered = renderTemplate(template, {
    WORKER_PROCESSES: '1',
    PID_FILE: path.join(dir, 'nginx.pid'),
    ERROR_LOG: errorLog,
    SERVER_NAME: 'mail-proxy.test',
    AUTH_HTTP: `${url.origin}${url.pathname}`,
    MAIL_AUTH_SECRET: opts.secret,
    IMAP_LISTEN: `${HOST}:${imapPort}`,
    POP3_LISTEN: `${HOST}:${pop3Port}`,
  });
  await fs.writeFile(conf, rendered, { mode: 0o600 });

  // -p: nothing is written under /etc/nginx or /var/lib/nginx; -e: not even the startup log.
  const base = ['-p', dir, '-c', conf, '-e', errorLog];
  const check = await run(NGINX, [...base, '-t']);
  if (check.code !== 0) throw new Error(`nginx -t failed for ${conf}:\n${check.output}`);

  const child = spawn(NGINX, [...base, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  track(child);
  const proxy: MailProxy = {
    host: HOST,
    imapPort,
    pop3Port,
    errorLog,
    stop: () => stopChild(child),
  };
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    await waitForGreeting(child, imapPort, /^\* OK/, deadline);
    await waitForGreeting(child, pop3Port, /^\+OK/, deadline);
  } catch (err) {
    await proxy.stop();
    const log = await fs.readFile(errorLog, 'utf8').catch(() => '');
    throw new Error(
      `nginx mail proxy did not start: ${(err as Error).message}\n${output}\n${log.slice(-2000)}`,
      { cause: err },
    );
  }
  return proxy;
}

async function waitForGreeting(
  child: ChildProcess,
  port: number,
  greeting: RegExp,
  deadline: number,
): Promise<void> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nginx exited (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const text = await readBanner(port, (t) => t.includes('\r\n'), HOST);
      if (greeting.test(text)) return;
      throw new Error(`port ${port} answered ${JSON.stringify(text)}, not nginx`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ECONNREFUSED' && code !== 'ECONNRESET' && code !== 'ETIMEDOUT') throw err;
      last = `${code} on port ${port}`;
    }
    await sleep(POLL_MS);
  }
  throw new Error(`timed out waiting for a greeting on ${HOST}:${port} (${last})`);
}

/** SIGTERM is nginx's fast shutdown: proxied sessions are cut, as they should be in a test. */
async function stopChild(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const);
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGTERM');
  });
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
