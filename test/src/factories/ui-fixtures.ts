import type { INestApplication } from '@nestjs/common';
import { createApp } from '@roost/api';
import { QueueName } from '@roost/core';
import { quietLogger, REGISTERED_QUEUES, startWorkers, type RunningWorkers } from '@roost/workers';
import Redis from 'ioredis';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findRepoRoot, startCyrus, stopAllCyrus, type CyrusInstance } from '../harness/cyrus';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { freePort } from '../harness/ports';
import { startRedis, type TestRedis } from '../harness/redis';
import { startMoveWorker } from '../moves/move-worker';
import { insertCyrusBackend } from './worker-fixtures';

// The web console end to end: the real API in this process serving the built console on one
// origin, real PostgreSQL, Redis, Cyrus backends and workers, driven by Debian's Chromium.

const ROOT = findRepoRoot();
const WEB = path.join(ROOT, 'web');
export const WEB_DIST = path.join(WEB, 'dist');
/** Screenshots of each test's final screen (README: "test-artifacts/ui/"). */
export const UI_ARTIFACTS = path.join(ROOT, 'test-artifacts', 'ui');

/** notes/dependencies.md §5 and env/machines/node-svc.md: no sandbox as root, no outbound calls. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** Builds the console when web/dist is missing or older than its sources. */
export function ensureWebBuilt(): string {
  const index = path.join(WEB_DIST, 'index.html');
  const sources = Math.max(
    newestMtime(path.join(WEB, 'src')),
    newestMtime(path.join(WEB, 'index.html')),
    newestMtime(path.join(WEB, 'vite.config.ts')),
  );
  if (!existsSync(index) || statSync(index).mtimeMs < sources) {
    execFileSync('npm', ['run', '--silent', 'build', '-w', 'web'], { cwd: ROOT, stdio: 'inherit' });
  }
  return WEB_DIST;
}

export interface UiStackOptions {
  /** Names the Cyrus instances and the queue prefix. */
  label: string;
  /** Real Cyrus backends to start (0-2), each with a `backends` row. */
  cyrus?: number;
  /** The backends check mail users' passwords against this API (deploy/cyrus/README.md). */
  roostAuth?: boolean;
  /** Run the real workers in this process (provisioning, moves, ...). */
  workers?: boolean;
}

/** argv the workers run on a backend host (cyr_deny while a move is frozen, suspensions). */
const CYRUS_CONTROL = path.join(ROOT, 'workers', 'bin', 'cyrus-control');

export interface UiStack {
  /** http://127.0.0.1:<port>: the console at `/`, the API at `/api`. */
  baseUrl: string;
  app: INestApplication;
  db: TestDatabase;
  pg: Pool;
  redis: TestRedis;
  prefix: string;
  cyrus: CyrusInstance[];
  backendIds: number[];
  workers: RunningWorkers | null;
  close(): Promise<void>;
}

export async function startUiStack(opts: UiStackOptions): Promise<UiStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => console.error('teardown:', err));
  };
  try {
    const dist = ensureWebBuilt();
    const db = await createTestDatabase({ prefix: 'roost_ui' });
    cleanups.push(() => db.drop());
    const pg = new Pool({ connectionString: db.url, max: 3 });
    cleanups.push(() => pg.end());
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const prefix = `roost-ui-${opts.label}-${randomBytes(3).toString('hex')}`;
    cleanups.push(() => clearPrefix(redis.url, prefix));
    const secret = randomBytes(24).toString('base64url');

    // The port is chosen first: reset links and the cookie's origin come from ROOST_PUBLIC_URL.
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const app = await createApp(
      {
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        ROOST_QUEUE_PREFIX: prefix,
        ROOST_PUBLIC_URL: baseUrl,
        ROOST_WEB_DIST: dist,
        ROOST_MAIL_AUTH_SECRET: secret,
        ROOST_SECRET_KEY: randomBytes(32).toString('base64'),
      },
      { logger: ['error'] },
    );
    await app.listen(port, '127.0.0.1');
    cleanups.push(() => app.close());

    const cyrus: CyrusInstance[] = [];
    const backendIds: number[] = [];
    if (opts.cyrus) {
      const rootDir = await mkdtemp(path.join(tmpdir(), `roost-${opts.label}-`));
      await chmod(rootDir, 0o755); // Cyrus runs as user cyrus and must get through it
      cleanups.push(() => rm(rootDir, { recursive: true, force: true }));
      cleanups.push(() => stopAllCyrus());
      const names = Array.from({ length: opts.cyrus }, (_, i) => `${opts.label}-b${i + 1}`);
      cyrus.push(
        ...(await Promise.all(
          names.map((name) =>
            startCyrus({
              name,
              rootDir,
              ...(opts.roostAuth
                ? {
                    roostAuth: {
                      url: `${baseUrl}/api/mail-auth/verify`,
                      secret,
                      backendName: name,
                      cacheTtlSeconds: 0,
                    },
                  }
                : {}),
            }),
          ),
        )),
      );
      const tag = `${opts.label.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${process.pid}`;
      for (const [i, instance] of cyrus.entries())
        backendIds.push(
          await insertCyrusBackend(pg, instance, {
            secretEnv: `ROOST_TEST_${tag}_B${i + 1}_PW`,
            controlCommand: [CYRUS_CONTROL, instance.imapdConfPath, '{action}', '{user}'],
          }),
        );
    }

    let workers: RunningWorkers | null = null;
    if (opts.workers) {
      workers = await startWorkers({
        databaseUrl: db.url,
        redisUrl: redis.url,
        prefix,
        schedules: false,
        logger: quietLogger,
      });
      const running = workers;
      cleanups.push(() => running.stop());
      // Until startWorkers registers the move queue, the moves issue's own worker runs the
      // real move processor (workers/src/move) on the same queue prefix.
      if (!REGISTERED_QUEUES.includes(QueueName.Move)) {
        const mover = await startMoveWorker({ databaseUrl: db.url, redisUrl: redis.url, prefix });
        cleanups.push(() => mover.stop());
      }
    }
    return { baseUrl, app, db, pg, redis, prefix, cyrus, backendIds, workers, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function clearPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
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

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.ROOST_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
  });
}

/**
 * A fresh browser context (its own cookies) with a wide window. Errors the page logs are kept:
 * a test asserts there were none it did not expect.
 */
export async function openPage(browser: Browser): Promise<{ page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return { page, pageErrors };
}

/** Signs in through the login page and waits for the console. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(UI_ARTIFACTS, { recursive: true });
  const file = path.join(UI_ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Polls `check` until it is true (the console refreshes on its own every few seconds). */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}
