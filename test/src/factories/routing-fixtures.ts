import type { QueryResult, QueryResultRow } from 'pg';
import { BackendState, MailboxState } from '@roost/core';

// Rows behind the routing views (backends, domains, alias domains, mailboxes, aliases), inserted
// with plain SQL so tests depend on the schema the views read, not on the API or the entities.

/** A pg Client, PoolClient or Pool. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>>;
}

let sequence = 0;
const nextName = (prefix: string) => `${prefix}-${process.pid}-${++sequence}`;

async function insertReturningId(db: Queryable, sql: string, values: unknown[]): Promise<number> {
  const { rows } = await db.query<{ id: string | number }>(sql, values);
  if (rows.length !== 1) throw new Error(`expected one inserted row, got ${rows.length}: ${sql}`);
  return Number(rows[0].id);
}

export interface BackendFixture {
  name?: string;
  /** Where Postfix delivers (the transport view answers lmtp:inet:lmtpHost:lmtpPort). */
  lmtpHost?: string;
  lmtpPort?: number;
  imapHost?: string;
  imapPort?: number;
  state?: BackendState;
}

export function insertBackend(db: Queryable, opts: BackendFixture = {}): Promise<number> {
  const lmtpHost = opts.lmtpHost ?? '127.0.0.1';
  return insertReturningId(
    db,
    `INSERT INTO backends (name, imap_host, imap_port, lmtp_host, lmtp_port, admin_secret_ref,
                           capacity_bytes, capacity_mailboxes, state)
     VALUES ($1, $2, $3, $4, $5, 'test', 1000000000000, 100000, $6) RETURNING id`,
    [
      opts.name ?? nextName('backend'),
      opts.imapHost ?? lmtpHost,
      opts.imapPort ?? 143,
      lmtpHost,
      opts.lmtpPort ?? 24,
      opts.state ?? BackendState.Active,
    ],
  );
}

export function insertDomain(
  db: Queryable,
  opts: { name: string; active?: boolean },
): Promise<number> {
  return insertReturningId(db, 'INSERT INTO domains (name, active) VALUES ($1, $2) RETURNING id', [
    opts.name,
    opts.active ?? true,
  ]);
}

/** `name` receives the mail of `targetDomainId`: local@name behaves like local@target. */
export function insertAliasDomain(
  db: Queryable,
  opts: { name: string; targetDomainId: number; active?: boolean },
): Promise<number> {
  return insertReturningId(
    db,
    'INSERT INTO alias_domains (name, target_domain_id, active) VALUES ($1, $2, $3) RETURNING id',
    [opts.name, opts.targetDomainId, opts.active ?? true],
  );
}

export interface MailboxFixture {
  domainId: number;
  localPart: string;
  backendId: number;
  /** Default active (the table's own default is provisioning). */
  state?: MailboxState;
  active?: boolean;
  quotaBytes?: number;
  /** Default '!', which no password matches. */
  passwordHash?: string;
}

/** The address is localPart@<the domain's name>. */
export function insertMailbox(db: Queryable, opts: MailboxFixture): Promise<number> {
  return insertReturningId(
    db,
    `INSERT INTO mailboxes (domain_id, local_part, address, password_hash, quota_bytes, backend_id,
                            state, active)
     SELECT d.id, $2, $2 || '@' || d.name, $3, $4, $5, $6, $7 FROM domains d WHERE d.id = $1
     RETURNING id`,
    [
      opts.domainId,
      opts.localPart,
      opts.passwordHash ?? '!',
      opts.quotaBytes ?? 0,
      opts.backendId,
      opts.state ?? MailboxState.Active,
      opts.active ?? true,
    ],
  );
}

/** localPart '' is the domain's catch-all (@domain). One row, one or more targets. */
export function insertAlias(
  db: Queryable,
  opts: { domainId: number; localPart: string; targets: string[]; active?: boolean },
): Promise<number> {
  return insertReturningId(
    db,
    `INSERT INTO aliases (domain_id, local_part, address, targets, active)
     SELECT d.id, $2, $2 || '@' || d.name, $3, $4 FROM domains d WHERE d.id = $1 RETURNING id`,
    [opts.domainId, opts.localPart, opts.targets, opts.active ?? true],
  );
}

export async function setMailboxState(
  db: Queryable,
  mailboxId: number,
  state: MailboxState,
): Promise<void> {
  await db.query('UPDATE mailboxes SET state = $2, updated_at = now() WHERE id = $1', [
    mailboxId,
    state,
  ]);
}

export async function setBackendState(
  db: Queryable,
  backendId: number,
  state: BackendState,
): Promise<void> {
  await db.query('UPDATE backends SET state = $2, updated_at = now() WHERE id = $1', [
    backendId,
    state,
  ]);
}
