import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { sql } from '../common/sql';

export interface ResetTarget {
  resetId: number;
  mailboxId: number;
  address: string;
  domainId: number;
  expiresAt: Date;
}

/** Single-use reset links for mail users (only the token's SHA-256 is stored). */
@Injectable()
export class PasswordResetRepository {
  constructor(private readonly ds: DataSource) {}

  async create(
    em: EntityManager,
    r: { mailboxId: number; tokenHash: string; expiresAt: Date; createdBy: number },
  ): Promise<number> {
    const { rows } = await sql<{ id: number }>(
      em,
      `INSERT INTO password_resets (mailbox_id, token_hash, expires_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id`,
      [r.mailboxId, r.tokenHash, r.expiresAt, r.createdBy],
    );
    return rows[0].id;
  }

  /** A usable reset (unused, unexpired, mailbox not being deleted), locked for the change. */
  async findUsable(
    tokenHash: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<ResetTarget | null> {
    const { rows } = await sql<ResetTarget>(
      em,
      `SELECT r.id AS "resetId", m.id AS "mailboxId", m.address, m.domain_id AS "domainId", r.expires_at AS "expiresAt"
         FROM password_resets r JOIN mailboxes m ON m.id = r.mailbox_id
        WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now() AND m.state <> 'deleting'
        ${lock ? 'FOR UPDATE OF r, m' : ''}`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  /** Spends every open reset of a mailbox (after any password change). */
  async spendAll(em: EntityManager, mailboxId: number): Promise<void> {
    await sql(
      em,
      `UPDATE password_resets SET used_at = now() WHERE mailbox_id = $1 AND used_at IS NULL`,
      [mailboxId],
    );
  }
}
