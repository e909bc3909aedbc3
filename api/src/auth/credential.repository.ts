import { Injectable } from '@nestjs/common';
import { Role } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { sql } from '../common/sql';
import { CredentialCache } from './credential-cache';

export interface CredentialOwner {
  credentialId: number;
  kind: 'session' | 'api-token';
  lastUsedAt: Date | null;
  adminId: number;
  username: string;
  role: Role;
  totpRequired: boolean;
  totpEnrolled: boolean;
  domainIds: number[];
}

export interface TokenRow {
  id: number;
  name: string;
  prefix: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** Sessions and personal API tokens of admins (table `admin_credentials`). */
@Injectable()
export class CredentialRepository {
  constructor(
    private readonly ds: DataSource,
    private readonly cache: CredentialCache,
  ) {}

  async findValid(secretHash: string): Promise<CredentialOwner | null> {
    const { rows } = await sql<CredentialOwner>(
      this.ds.manager,
      `SELECT c.id AS "credentialId", c.kind, c.last_used_at AS "lastUsedAt",
              a.id AS "adminId", a.username, a.role, a.totp_required AS "totpRequired",
              (a.totp_secret IS NOT NULL) AS "totpEnrolled",
              COALESCE((SELECT array_agg(ad.domain_id ORDER BY ad.domain_id) FROM admin_domains ad
                         WHERE ad.admin_id = a.id), '{}') AS "domainIds"
         FROM admin_credentials c JOIN admins a ON a.id = c.admin_id
        WHERE c.secret_hash = $1 AND c.revoked_at IS NULL
          AND (c.expires_at IS NULL OR c.expires_at > now()) AND a.active`,
      [secretHash],
    );
    return rows[0] ?? null;
  }

  /** Sliding expiry: at most one write a minute per credential; sessions end 7 days after login at the latest. */
  async touch(id: number, kind: 'session' | 'api-token', idleMinutes: number): Promise<void> {
    await sql(
      this.ds.manager,
      kind === 'session'
        ? `UPDATE admin_credentials SET last_used_at = now(),
             expires_at = LEAST(now() + make_interval(mins => $2), created_at + interval '7 days')
           WHERE id = $1`
        : `UPDATE admin_credentials SET last_used_at = now() WHERE id = $1 AND $2::int IS NOT NULL`,
      [id, idleMinutes],
    );
  }

  async create(
    em: EntityManager,
    c: {
      adminId: number;
      kind: 'session' | 'api-token';
      name: string;
      secretHash: string;
      prefix: string;
      expiresAt: Date | null;
    },
  ): Promise<TokenRow> {
    const { rows } = await sql<TokenRow>(
      em,
      `INSERT INTO admin_credentials (admin_id, kind, name, secret_hash, prefix, expires_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       RETURNING id, name, prefix, expires_at AS "expiresAt", last_used_at AS "lastUsedAt",
                 revoked_at AS "revokedAt", created_at AS "createdAt"`,
      [c.adminId, c.kind, c.name, c.secretHash, c.prefix, c.expiresAt],
    );
    return rows[0];
  }

  async revoke(em: EntityManager, id: number, adminId: number): Promise<boolean> {
    this.cache.clear();
    const { affected } = await sql(
      em,
      `UPDATE admin_credentials SET revoked_at = now() WHERE id = $1 AND admin_id = $2 AND revoked_at IS NULL`,
      [id, adminId],
    );
    return affected > 0;
  }

  /** Ends every session (and, with `tokens`, every API token) of an admin. */
  async revokeAll(em: EntityManager, adminId: number, tokens: boolean): Promise<void> {
    this.cache.clear();
    await sql(
      em,
      `UPDATE admin_credentials SET revoked_at = now()
        WHERE admin_id = $1 AND revoked_at IS NULL AND (kind = 'session' OR $2)`,
      [adminId, tokens],
    );
  }

  async listTokens(adminId: number): Promise<TokenRow[]> {
    const { rows } = await sql<TokenRow>(
      this.ds.manager,
      `SELECT id, name, prefix, expires_at AS "expiresAt", last_used_at AS "lastUsedAt",
              revoked_at AS "revokedAt", created_at AS "createdAt"
         FROM admin_credentials WHERE admin_id = $1 AND kind = 'api-token' ORDER BY id`,
      [adminId],
    );
    return rows;
  }

  async findToken(adminId: number, id: number): Promise<TokenRow | null> {
    const all = await this.listTokens(adminId);
    return all.find((t) => t.id === id) ?? null;
  }
}
