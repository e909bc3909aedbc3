import 'reflect-metadata';
import { BackendState, domainError, normalizeDomain, Role } from '@roost/core';
import { createDataSource } from '@roost/db';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { previousSecretKeys, SecretBox } from './auth/secret-box';
import { totpContext } from './auth/totp.service';
import { hashPassword } from './passwords/password-hash';
import { generatePassword, passwordWeakness } from './passwords/password-strength';

/**
 * Operator commands that work before anyone can sign in (`node api/dist/cli.js <command>`):
 *   create-admin   --username NAME --role ROLE [--password PW] [--domains a.org,b.org] [--if-missing]
 *   create-backend --name N --imap-host H --imap-port P --lmtp-host H --lmtp-port P [--sieve-port P]
 *                  --admin-secret-ref env:NAME --capacity-bytes B --capacity-mailboxes N [--if-missing]
 *   create-domain  --name example.org [--if-missing]
 *   reseal-secrets (after a key rotation: every TOTP seed sealed again under ROOST_SECRET_KEY)
 * Needs DATABASE_URL. Every change is audited with actor `cli`.
 */

class UsageError extends Error {}

const CLI_CALLER = { actor_name: 'cli', role: 'cli' };

function need(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function int(
  values: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  optional = false,
): number | null {
  const v = values[name];
  if ((v === undefined || v === '') && optional) return null;
  const raw = need(values, name).replaceAll('_', '');
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return Number(raw);
}

async function audit(
  ds: DataSource,
  action: string,
  targetType: string,
  targetId: number,
  domainId: number | null,
  after: object,
) {
  await ds.query(
    `INSERT INTO audit_events (actor_name, role, action, target_type, target_id, domain_id, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      CLI_CALLER.actor_name,
      CLI_CALLER.role,
      action,
      targetType,
      String(targetId),
      domainId,
      JSON.stringify(after),
    ],
  );
}

async function exists(
  ds: DataSource,
  table: 'admins' | 'backends' | 'domains',
  column: string,
  value: string,
): Promise<boolean> {
  const rows = await ds.query<unknown[]>(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [value]);
  return rows.length > 0;
}

async function createAdmin(ds: DataSource, v: Record<string, unknown>): Promise<void> {
  const username = need(v, 'username').trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9._@-]{0,63}$/.test(username))
    throw new UsageError('--username must be 1-64 lower-case letters, digits, . _ @ or -');
  const role = need(v, 'role') as Role;
  if (!Object.values(Role).includes(role))
    throw new UsageError(`--role must be one of ${Object.values(Role).join(', ')}`);
  if (await exists(ds, 'admins', 'username', username)) {
    if (v['if-missing']) return void process.stdout.write(`admin ${username} exists\n`);
    throw new UsageError(`admin ${username} already exists`);
  }
  const given = typeof v.password === 'string' ? v.password : undefined;
  if (given !== undefined) {
    const weak = passwordWeakness(given, { localPart: username });
    if (weak) throw new UsageError(`--password ${weak}`);
  }
  const domainNames =
    typeof v.domains === 'string' && v.domains !== ''
      ? v.domains.split(',').map((d) => normalizeDomain(d))
      : [];
  if (domainNames.length && role !== Role.DomainAdmin && role !== Role.Support)
    throw new UsageError(`--domains is only for ${Role.DomainAdmin} and ${Role.Support}`);
  const password = given ?? generatePassword();
  const hash = await hashPassword(password);
  await ds.transaction(async (em) => {
    const domains = await em.query<{ id: number; name: string }[]>(
      `SELECT id, name FROM domains WHERE name = ANY($1::text[])`,
      [domainNames],
    );
    const missing = domainNames.filter((n) => !domains.some((d) => d.name === n));
    if (missing.length) throw new UsageError(`unknown domains: ${missing.join(', ')}`);
    const [{ id }] = await em.query<{ id: number }[]>(
      `INSERT INTO admins (username, password_hash, role) VALUES ($1, $2, $3) RETURNING id`,
      [username, hash, role],
    );
    for (const d of domains)
      await em.query(`INSERT INTO admin_domains (admin_id, domain_id) VALUES ($1, $2)`, [id, d.id]);
    await audit(em.connection, 'admin.create', 'admin', id, null, {
      username,
      role,
      domainIds: domains.map((d) => d.id),
    });
  });
  process.stdout.write(`admin ${username} (${role}) created\n`);
  // Shown once; it is stored only as an argon2id hash.
  if (!given) process.stdout.write(`password: ${password}\n`);
}

async function createBackend(ds: DataSource, v: Record<string, unknown>): Promise<void> {
  const name = need(v, 'name');
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name))
    throw new UsageError('--name must be lower-case letters, digits, . _ or -');
  const secretRef = need(v, 'admin-secret-ref');
  if (!/^(env:[A-Z_][A-Z0-9_]{0,63}|file:\/[^\0\s]{1,255})$/.test(secretRef))
    throw new UsageError(
      '--admin-secret-ref must be env:NAME or file:/absolute/path (never the secret itself)',
    );
  const host = (flag: string) => {
    const h = need(v, flag);
    if (!/^([A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9a-fA-F:.]{2,45})$/.test(h))
      throw new UsageError(`--${flag} is not a host`);
    return h;
  };
  const row = {
    name,
    imapHost: host('imap-host'),
    imapPort: int(v, 'imap-port', 1, 65535),
    lmtpHost: host('lmtp-host'),
    lmtpPort: int(v, 'lmtp-port', 1, 65535),
    sievePort: int(v, 'sieve-port', 1, 65535, true),
    adminSecretRef: secretRef,
    capacityBytes: int(v, 'capacity-bytes', 1, 2 ** 50),
    capacityMailboxes: int(v, 'capacity-mailboxes', 1, 100_000_000),
  };
  if (await exists(ds, 'backends', 'name', name)) {
    if (v['if-missing']) return void process.stdout.write(`backend ${name} exists\n`);
    throw new UsageError(`backend ${name} already exists`);
  }
  const [{ id }] = await ds.query<{ id: number }[]>(
    `INSERT INTO backends (name, imap_host, imap_port, lmtp_host, lmtp_port, sieve_port, admin_secret_ref,
                           capacity_bytes, capacity_mailboxes, state)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      row.name,
      row.imapHost,
      row.imapPort,
      row.lmtpHost,
      row.lmtpPort,
      row.sievePort,
      row.adminSecretRef,
      row.capacityBytes,
      row.capacityMailboxes,
      BackendState.Active,
    ],
  );
  await audit(ds, 'backend.create', 'backend', id, null, row);
  process.stdout.write(`backend ${name} created (id ${id})\n`);
}

async function createDomain(ds: DataSource, v: Record<string, unknown>): Promise<void> {
  const name = normalizeDomain(need(v, 'name'));
  const reason = domainError(name);
  if (reason) throw new UsageError(`--name ${reason}`);
  if (await exists(ds, 'domains', 'name', name)) {
    if (v['if-missing']) return void process.stdout.write(`domain ${name} exists\n`);
    throw new UsageError(`domain ${name} already exists`);
  }
  const clash = await ds.query<unknown[]>(`SELECT 1 FROM alias_domains WHERE name = $1`, [name]);
  if (clash.length) throw new UsageError(`${name} is already an alias domain`);
  const [{ id }] = await ds.query<{ id: number }[]>(
    `INSERT INTO domains (name) VALUES ($1) RETURNING id`,
    [name],
  );
  await audit(ds, 'domain.create', 'domain', id, id, { name });
  process.stdout.write(`domain ${name} created (id ${id})\n`);
}

/**
 * Seals every stored TOTP seed under ROOST_SECRET_KEY: seeds in clear from before encryption, and
 * seeds sealed under a key of ROOST_SECRET_KEY_PREVIOUS, which can be dropped afterwards. A seed
 * no key opens is reported (its admin enrols again) and makes the command fail.
 */
async function resealSecrets(ds: DataSource): Promise<void> {
  let box: SecretBox;
  try {
    box = new SecretBox(process.env.ROOST_SECRET_KEY ?? '', previousSecretKeys(process.env));
  } catch (err) {
    throw new UsageError(`ROOST_SECRET_KEY / ROOST_SECRET_KEY_PREVIOUS: ${(err as Error).message}`);
  }
  const admins = await ds.query<{ id: number; totp_secret: string }[]>(
    `SELECT id, totp_secret FROM admins WHERE totp_secret IS NOT NULL ORDER BY id`,
  );
  let resealed = 0;
  let current = 0;
  const unreadable: number[] = [];
  for (const { id, totp_secret: stored } of admins) {
    let seed: { plaintext: string; stale: boolean };
    try {
      seed = box.read(stored, totpContext(id));
    } catch {
      unreadable.push(id);
      continue;
    }
    if (!seed.stale) {
      current++;
      continue;
    }
    // Conditional: a seed changed meanwhile (re-enrolment, reset) is left as it now is.
    const [{ n }] = await ds.query<{ n: number }[]>(
      `WITH changed AS (UPDATE admins SET totp_secret = $3 WHERE id = $1 AND totp_secret = $2 RETURNING id)
       SELECT count(*)::int AS n FROM changed`,
      [id, stored, box.seal(seed.plaintext, totpContext(id))],
    );
    if (n === 1) {
      resealed++;
      await audit(ds, 'admin.totp-reseal', 'admin', id, null, { keyId: box.keyId });
    }
  }
  process.stdout.write(
    `TOTP seeds: ${resealed} sealed again under key ${box.keyId}, ${current} already under it, ` +
      `${unreadable.length} unreadable\n`,
  );
  if (unreadable.length > 0)
    throw new Error(
      `no key given opens the TOTP seed of admins ${unreadable.join(', ')}: ` +
        'they enrol again (a superadmin sets resetTotp)',
    );
}

const STRING_FLAGS = [
  'username',
  'role',
  'password',
  'domains',
  'name',
  'imap-host',
  'imap-port',
  'lmtp-host',
  'lmtp-port',
  'sieve-port',
  'admin-secret-ref',
  'capacity-bytes',
  'capacity-mailboxes',
];
const OPTIONS: Record<string, { type: 'string' | 'boolean' }> = {
  ...Object.fromEntries(STRING_FLAGS.map((f) => [f, { type: 'string' as const }])),
  'if-missing': { type: 'boolean' },
};

const COMMANDS: Record<string, (ds: DataSource, v: Record<string, unknown>) => Promise<void>> = {
  'create-admin': createAdmin,
  'create-backend': createBackend,
  'create-domain': createDomain,
  'reseal-secrets': resealSecrets,
};

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command ? COMMANDS[command] : undefined;
  if (!run) {
    process.stderr.write(
      `usage: node api/dist/cli.js <${Object.keys(COMMANDS).join('|')}> [--flags]\n`,
    );
    return 2;
  }
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: rest, strict: true, options: OPTIONS }).values;
  } catch (err) {
    process.stderr.write(`${command}: ${(err as Error).message}\n`);
    return 2;
  }
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    process.stderr.write('DATABASE_URL must be set to a postgres:// URL\n');
    return 2;
  }
  const ds = await createDataSource(url, 2).initialize();
  try {
    await run(ds, values);
    return 0;
  } catch (err) {
    process.stderr.write(`${command}: ${err instanceof UsageError ? err.message : String(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
