/**
 * `npm start`: a local fleet on loopback built from the same harness the tests use, plus
 * Roost's API (serving the web console) and workers. State lives in `.roost/` and survives
 * restarts; stop with Ctrl-C.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureRoutingRole, migrateUp } from '@roost/migrations';
import { CyrusInstance, findRepoRoot, startCyrus } from './cyrus';
import { adminDatabaseUrl } from './database';
import { MailProxy, startMailProxy } from './nginx';
import { PostfixInstance, startPostfix } from './postfix';

const repo = findRepoRoot();
const stateDir = join(repo, '.roost');
const API_PORT = Number(process.env.ROOST_API_PORT ?? 8080);
const BACKENDS = [
  { name: 'backend1', ports: { imap: 11143, lmtp: 24101, sieve: 14190 } },
  { name: 'backend2', ports: { imap: 11144, lmtp: 24102, sieve: 14191 } },
];

interface Secrets {
  cyrusAdminPassword: string;
  superadminPassword: string;
  mailAuthSecret: string;
  routingDbPassword: string;
  /** ROOST_SECRET_KEY: 32 bytes, base64 (encrypts TOTP seeds). */
  secretKey: string;
}

/** Generated once and kept in .roost/secrets.json (0600): this is a local development fleet. */
async function loadSecrets(): Promise<Secrets> {
  const file = join(stateDir, 'secrets.json');
  const kept = existsSync(file)
    ? (JSON.parse(await readFile(file, 'utf8')) as Partial<Secrets>)
    : {};
  const secret = () => randomBytes(12).toString('base64url');
  // A secret added since the file was written is generated once and kept with the others.
  const secrets: Secrets = {
    cyrusAdminPassword: kept.cyrusAdminPassword ?? secret(),
    superadminPassword: kept.superadminPassword ?? secret(),
    mailAuthSecret: kept.mailAuthSecret ?? secret(),
    routingDbPassword: kept.routingDbPassword ?? secret(),
    secretKey: kept.secretKey ?? randomBytes(32).toString('base64'),
  };
  if (Object.keys(secrets).some((k) => kept[k as keyof Secrets] === undefined))
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function ensureDatabase(): Promise<string> {
  const url = new URL(adminDatabaseUrl());
  const name = process.env.ROOST_DB_NAME ?? 'roost';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  url.pathname = `/${name}`;
  return url.toString();
}

/** Points the backends table at this fleet's instances (ports are fixed, but rows may predate them). */
async function registerBackends(db: Client, instances: CyrusInstance[]): Promise<void> {
  for (const b of instances) {
    await db.query(
      `INSERT INTO backends (name, imap_host, imap_port, lmtp_host, lmtp_port, sieve_port, admin_secret_ref,
                             capacity_bytes, capacity_mailboxes)
       VALUES ($1, '127.0.0.1', $2, '127.0.0.1', $3, $4, 'env:ROOST_CYRUS_ADMIN_PASSWORD', 53687091200, 100000)
       ON CONFLICT (name) DO UPDATE SET imap_port = $2, lmtp_port = $3, sieve_port = $4`,
      [b.name, b.imapPort, b.lmtpPort, b.sievePort],
    );
  }
}

/** The local relay, with the control command the workers run after a routing change. */
async function registerRelay(db: Client, relay: PostfixInstance): Promise<void> {
  const command = ['postfix', '-c', relay.configDir, '{action}'];
  await db.query(
    `INSERT INTO relays (name, control_command) VALUES ('local-relay', $1)
     ON CONFLICT (name) DO UPDATE SET control_command = $1`,
    [JSON.stringify(command)],
  );
}

function runNode(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repo, script), ...args], { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${script} ${args[0]}: ${out}`)),
    );
  });
}

async function seed(db: Client, env: NodeJS.ProcessEnv, secrets: Secrets): Promise<void> {
  const admins = await db.query('SELECT 1 FROM admins LIMIT 1');
  if (admins.rowCount === 0) {
    await runNode(
      'api/dist/cli.js',
      [
        'create-admin',
        '--username',
        'admin',
        '--role',
        'superadmin',
        '--password',
        secrets.superadminPassword,
      ],
      env,
    );
  }
  const demo = await db.query(`SELECT 1 FROM domains WHERE name = 'demo.test'`);
  if (demo.rowCount === 0)
    await runNode('api/dist/cli.js', ['create-domain', '--name', 'demo.test'], env);
}

function startService(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [join(repo, script)], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${signal ?? code}); stopping the fleet`);
    void stopAll(1);
  });
  return child;
}

/** The API answers /health once its database and Redis are reachable. */
async function waitForHealth(apiUrl: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${apiUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the API did not answer ${apiUrl}/health within 60 s`);
}

let stopping = false;
const children: ChildProcess[] = [];
const cyrus: CyrusInstance[] = [];
let relay: PostfixInstance | undefined;
let proxy: MailProxy | undefined;

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all([...cyrus.map((c) => c.stop()), relay?.stop(), proxy?.stop()]);
  process.exit(code);
}

async function main(): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await chmod(stateDir, 0o755); // Cyrus runs as user cyrus and must reach its folders
  const secrets = await loadSecrets();
  const databaseUrl = await ensureDatabase();
  await migrateUp(databaseUrl);
  const apiUrl = `http://127.0.0.1:${API_PORT}`;

  for (const b of BACKENDS) {
    cyrus.push(
      await startCyrus({
        name: b.name,
        rootDir: join(stateDir, 'cyrus'),
        adminPassword: secrets.cyrusAdminPassword,
        ports: b.ports,
        keepData: true,
        // Mail users log in with their Roost password (saslauthd -> PAM -> Roost's verify endpoint).
        roostAuth: {
          url: `${apiUrl}/api/mail-auth/verify`,
          secret: secrets.mailAuthSecret,
          backendName: b.name,
        },
      }),
    );
  }
  await ensureRoutingRole(databaseUrl, 'roost_routing', secrets.routingDbPassword);
  const routingUrl = new URL(databaseUrl);
  routingUrl.username = 'roost_routing';
  routingUrl.password = secrets.routingDbPassword;
  const postfix = await startPostfix({
    rootDir: join(stateDir, 'postfix'),
    databaseUrl: routingUrl.toString(),
  });
  relay = postfix;

  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  await registerBackends(db, cyrus);
  await registerRelay(db, postfix);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ROOST_API_PORT: String(API_PORT),
    ROOST_PUBLIC_URL: apiUrl,
    ROOST_WEB_DIST: join(repo, 'web', 'dist'),
    ROOST_MAIL_AUTH_SECRET: secrets.mailAuthSecret,
    ROOST_SECRET_KEY: secrets.secretKey,
    ROOST_CYRUS_ADMIN_PASSWORD: secrets.cyrusAdminPassword,
  };
  await seed(db, env, secrets);
  await db.end();

  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  children.push(
    startService('api', 'api/dist/main.js', env),
    startService('workers', 'workers/dist/main.js', env),
  );
  await waitForHealth(apiUrl);
  const mailProxy = await startMailProxy({
    rootDir: stateDir,
    authHttpUrl: `${apiUrl}/api/mail-auth/nginx`,
    secret: secrets.mailAuthSecret,
  });
  proxy = mailProxy;

  console.log(`
Roost is running.
  console:   ${apiUrl}/   (API docs: ${apiUrl}/api/docs)
  login:     admin / ${secrets.superadminPassword}
  backends:  ${cyrus.map((c) => `${c.name} imap 127.0.0.1:${c.imapPort} lmtp :${c.lmtpPort}`).join('; ')}
  relay:     smtp 127.0.0.1:${postfix.smtpPort} (Postfix, routes by Roost's tables)
  proxy:     imap 127.0.0.1:${mailProxy.imapPort}, pop3 127.0.0.1:${mailProxy.pop3Port} (nginx, asks Roost)
  state:     ${stateDir}
Stop with Ctrl-C.`);
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  await stopAll(1);
});
