import { Injectable } from '@nestjs/common';
import { Role } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { ListQuery } from '../common/list-query';
import { CredentialCache } from '../auth/credential-cache';
import { likePrefix, sql } from '../common/sql';

export interface AdminRow {
  id: number;
  username: string;
  role: Role;
  active: boolean;
  totpRequired: boolean;
  totpEnrolled: boolean;
  domainIds: number[];
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AdminSecrets {
  id: number;
  username: string;
  role: Role;
  active: boolean;
  passwordHash: string;
  totpSecret: string | null;
  totpRequired: boolean;
}

export const ADMIN_SORT = ['id', 'username'] as const;
export const ADMIN_FILTERS = {
  q: 'prefix',
  id: 'ids',
  role: { enum: Object.values(Role) },
  active: 'bool',
} as const;

const COLUMNS = `a.id, a.username, a.role, a.active, a.totp_required AS "totpRequired",
  (a.totp_secret IS NOT NULL) AS "totpEnrolled",
  COALESCE((SELECT array_agg(ad.domain_id ORDER BY ad.domain_id) FROM admin_domains ad WHERE ad.admin_id = a.id), '{}') AS "domainIds",
  a.last_login_at AS "lastLoginAt", a.created_at AS "createdAt", a.updated_at AS "updatedAt"`;

const SORT_SQL: Record<(typeof ADMIN_SORT)[number], string> = {
  id: 'a.id',
  username: 'a.username',
};

@Injectable()
export class AdminRepository {
  constructor(
    private readonly ds: DataSource,
    private readonly cache: CredentialCache,
  ) {}

  async findForLogin(
    username: string,
    em: EntityManager = this.ds.manager,
  ): Promise<AdminSecrets | null> {
    const { rows } = await sql<AdminSecrets>(
      em,
      `SELECT id, username, role, active, password_hash AS "passwordHash", totp_secret AS "totpSecret",
              totp_required AS "totpRequired"
         FROM admins WHERE username = $1`,
      [username],
    );
    return rows[0] ?? null;
  }

  async secretsById(id: number, em: EntityManager = this.ds.manager): Promise<AdminSecrets | null> {
    const { rows } = await sql<AdminSecrets>(
      em,
      `SELECT id, username, role, active, password_hash AS "passwordHash", totp_secret AS "totpSecret",
              totp_required AS "totpRequired"
         FROM admins WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<AdminRow | null> {
    const { rows } = await sql<AdminRow>(
      em,
      `SELECT ${COLUMNS} FROM admins a WHERE a.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async list(
    q: ListQuery<(typeof ADMIN_SORT)[number], typeof ADMIN_FILTERS>,
  ): Promise<{ rows: AdminRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const f = q.filter;
    if (f.q !== undefined) where.push(`a.username LIKE $${params.push(likePrefix(f.q))}`);
    if (f.id !== undefined) where.push(`a.id = ANY($${params.push(f.id)}::int[])`);
    if (f.role !== undefined) where.push(`a.role = $${params.push(f.role)}`);
    if (f.active !== undefined) where.push(`a.active = $${params.push(f.active)}`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = await sql<{ n: number }>(
      this.ds.manager,
      `SELECT count(*)::int AS n FROM admins a ${w}`,
      params,
    );
    const { rows } = await sql<AdminRow>(
      this.ds.manager,
      `SELECT ${COLUMNS} FROM admins a ${w} ORDER BY ${SORT_SQL[q.sort]} ${q.order}, a.id
        LIMIT $${params.push(q.limit)} OFFSET $${params.push(q.offset)}`,
      params,
    );
    return { rows, total: total.rows[0].n };
  }

  async insert(
    em: EntityManager,
    a: {
      username: string;
      passwordHash: string;
      role: Role;
      active: boolean;
      totpRequired: boolean;
    },
  ): Promise<number> {
    const { rows } = await sql<{ id: number }>(
      em,
      `INSERT INTO admins (username, password_hash, role, active, totp_required)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [a.username, a.passwordHash, a.role, a.active, a.totpRequired],
    );
    return rows[0].id;
  }

  async update(
    em: EntityManager,
    id: number,
    a: Partial<{
      role: Role;
      active: boolean;
      totpRequired: boolean;
      passwordHash: string;
      totpSecret: string | null;
    }>,
  ): Promise<void> {
    // Roles, scopes and TOTP state are part of a cached credential owner.
    this.cache.clear();
    const sets: string[] = [];
    const params: unknown[] = [id];
    const col: Record<string, string> = {
      role: 'role',
      active: 'active',
      totpRequired: 'totp_required',
      passwordHash: 'password_hash',
      totpSecret: 'totp_secret',
    };
    for (const [k, v] of Object.entries(a)) {
      if (v === undefined) continue;
      sets.push(`${col[k]} = $${params.push(v)}`);
    }
    if (sets.length === 0) return;
    await sql(em, `UPDATE admins SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, params);
  }

  /**
   * Swaps the stored TOTP seed for another form of the same seed (a legacy plaintext for its
   * sealed form), only if it is still the one read: a reset or re-enrolment meanwhile wins.
   */
  async replaceTotpSecret(
    id: number,
    current: string,
    next: string,
    em: EntityManager = this.ds.manager,
  ): Promise<boolean> {
    const { affected } = await sql(
      em,
      `UPDATE admins SET totp_secret = $3 WHERE id = $1 AND totp_secret = $2`,
      [id, current, next],
    );
    return affected === 1;
  }

  async setDomains(em: EntityManager, id: number, domainIds: number[]): Promise<void> {
    // Roles, scopes and TOTP state are part of a cached credential owner.
    this.cache.clear();
    await sql(em, `DELETE FROM admin_domains WHERE admin_id = $1`, [id]);
    if (domainIds.length > 0)
      await sql(
        em,
        `INSERT INTO admin_domains (admin_id, domain_id) SELECT $1, unnest($2::int[])`,
        [id, domainIds],
      );
  }

  async recordLogin(id: number): Promise<void> {
    await sql(
      this.ds.manager,
      `UPDATE admins SET last_login_at = now(), failed_logins = 0 WHERE id = $1`,
      [id],
    );
  }

  async recordFailure(id: number): Promise<void> {
    await sql(
      this.ds.manager,
      `UPDATE admins SET failed_logins = failed_logins + 1 WHERE id = $1`,
      [id],
    );
  }

  async delete(em: EntityManager, id: number): Promise<void> {
    // Roles, scopes and TOTP state are part of a cached credential owner.
    this.cache.clear();
    await sql(em, `DELETE FROM admins WHERE id = $1`, [id]);
  }

  /** Active superadmins other than `exceptId`, locked so two demotions cannot race. */
  async otherActiveSuperadmins(em: EntityManager, exceptId: number): Promise<number> {
    const { rows } = await sql<{ id: number }>(
      em,
      `SELECT id FROM admins WHERE role = 'superadmin' AND active AND id <> $1 FOR UPDATE`,
      [exceptId],
    );
    return rows.length;
  }

  async existingDomainIds(em: EntityManager, ids: number[]): Promise<number[]> {
    const { rows } = await sql<{ id: number }>(
      em,
      `SELECT id FROM domains WHERE id = ANY($1::int[])`,
      [ids],
    );
    return rows.map((r) => r.id);
  }
}
