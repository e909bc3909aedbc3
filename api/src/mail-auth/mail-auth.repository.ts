import { Injectable } from '@nestjs/common';
import { BackendState, MailboxState, TlsMode } from '@roost/core';
import { DataSource } from 'typeorm';
import { sql } from '../common/sql';

/** One row of the `proxy_logins` view (migrations: CreateRoutingViews), plus the backend's name. */
export interface LoginRow {
  mailboxId: number;
  address: string;
  passwordHash: string;
  state: MailboxState;
  /** The mailbox and its domain are active. */
  active: boolean;
  backendId: number;
  backendName: string;
  imapHost: string;
  imapPort: number;
  pop3Port: number | null;
  backendState: BackendState;
}

export interface BackendLookupRow {
  address: string;
  state: MailboxState;
  active: boolean;
  backendName: string;
  imapHost: string;
  imapPort: number;
  pop3Port: number | null;
  sievePort: number | null;
  tlsMode: TlsMode;
  backendState: BackendState;
}

/** Seconds between two `last_login_at` writes for one mailbox: a login storm costs no writes. */
const LAST_LOGIN_RESOLUTION_S = 60;

/** All SQL of the mail-auth endpoints. The login lookup is one indexed query on `proxy_logins`. */
@Injectable()
export class MailAuthRepository {
  constructor(private readonly ds: DataSource) {}

  async findLogin(address: string): Promise<LoginRow | null> {
    const { rows } = await sql<LoginRow & { mailboxId: string }>(
      this.ds.manager,
      `SELECT p.mailbox_id AS "mailboxId", p.address, p.password_hash AS "passwordHash", p.state,
              p.active, p.backend_id AS "backendId", b.name AS "backendName",
              p.imap_host AS "imapHost", p.imap_port AS "imapPort", p.pop3_port AS "pop3Port",
              p.backend_state AS "backendState"
         FROM proxy_logins p JOIN backends b ON b.id = p.backend_id
        WHERE p.address = $1`,
      [address],
      'roost_mail_auth_find_login', // every proxied login runs it: plan it once per connection
    );
    const row = rows[0];
    return row ? { ...row, mailboxId: Number(row.mailboxId) } : null;
  }

  /** Replaces a legacy hash after a good login; a concurrent password change wins. */
  async replaceHash(mailboxId: number, oldHash: string, newHash: string): Promise<boolean> {
    const { affected } = await sql(
      this.ds.manager,
      `UPDATE mailboxes SET password_hash = $3 WHERE id = $1 AND password_hash = $2`,
      [mailboxId, oldHash, newHash],
    );
    return affected === 1;
  }

  /** Sets `last_login_at` to now for these mailboxes (sorted: concurrent batches never deadlock). */
  async touchLastLogins(mailboxIds: number[]): Promise<void> {
    await sql(
      this.ds.manager,
      `UPDATE mailboxes SET last_login_at = now()
        WHERE id = ANY($1::bigint[])
          AND (last_login_at IS NULL OR last_login_at < now() - make_interval(secs => $2))`,
      [[...mailboxIds].sort((a, b) => a - b), LAST_LOGIN_RESOLUTION_S],
    );
  }

  /** Where a user's mail lives, for webmail systems that connect to backends directly. */
  async findBackend(address: string): Promise<BackendLookupRow | null> {
    const { rows } = await sql<BackendLookupRow>(
      this.ds.manager,
      `SELECT m.address, m.state, (m.active AND d.active) AS active, b.name AS "backendName",
              b.imap_host AS "imapHost", b.imap_port AS "imapPort", b.pop3_port AS "pop3Port",
              b.sieve_port AS "sievePort", b.tls_mode AS "tlsMode", b.state AS "backendState"
         FROM mailboxes m
         JOIN domains d ON d.id = m.domain_id
         JOIN backends b ON b.id = m.backend_id
        WHERE m.address = $1`,
      [address],
    );
    return rows[0] ?? null;
  }
}
