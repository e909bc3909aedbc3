import { Injectable } from '@nestjs/common';
import { DomainLimits, DomainUsage, PlacementPolicy } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { ListQuery, Page } from '../common/list-query';
import { likePrefix, sql } from '../common/sql';

export interface DomainRow extends DomainLimits {
  id: number;
  name: string;
  active: boolean;
  defaultQuotaBytes: number;
  placementPolicy: PlacementPolicy;
  createdAt: Date;
  updatedAt: Date;
}

export interface DomainUsageRow extends DomainUsage {
  usedBytes: number;
}

export const DOMAIN_SORT = ['id', 'name'] as const;
export const DOMAIN_FILTERS = { q: 'prefix', id: 'ids', active: 'bool' } as const;

const COLUMNS = `d.id, d.name, d.active, d.max_mailboxes AS "maxMailboxes", d.max_aliases AS "maxAliases",
  d.max_quota_bytes AS "maxQuotaBytes", d.total_quota_bytes AS "totalQuotaBytes",
  d.default_quota_bytes AS "defaultQuotaBytes", d.placement_policy AS "placementPolicy",
  d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;

export type DomainFields = Omit<DomainRow, 'id' | 'createdAt' | 'updatedAt'>;

const COLUMN_OF: Record<keyof DomainFields, string> = {
  name: 'name',
  active: 'active',
  maxMailboxes: 'max_mailboxes',
  maxAliases: 'max_aliases',
  maxQuotaBytes: 'max_quota_bytes',
  totalQuotaBytes: 'total_quota_bytes',
  defaultQuotaBytes: 'default_quota_bytes',
  placementPolicy: 'placement_policy',
};

@Injectable()
export class DomainRepository {
  constructor(private readonly ds: DataSource) {}

  /** `scope` null means every domain. */
  async list(
    scope: number[] | null,
    q: ListQuery<(typeof DOMAIN_SORT)[number], typeof DOMAIN_FILTERS>,
  ): Promise<Page<DomainRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (scope) where.push(`d.id = ANY($${params.push(scope)}::int[])`);
    if (q.filter.q !== undefined) where.push(`d.name LIKE $${params.push(likePrefix(q.filter.q))}`);
    if (q.filter.id) where.push(`d.id = ANY($${params.push(q.filter.id)}::int[])`);
    if (q.filter.active !== undefined) where.push(`d.active = $${params.push(q.filter.active)}`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const em = this.ds.manager;
    const total = await sql<{ n: number }>(
      em,
      `SELECT count(*)::int AS n FROM domains d ${w}`,
      params,
    );
    const { rows } = await sql<DomainRow>(
      em,
      `SELECT ${COLUMNS} FROM domains d ${w} ORDER BY d.${q.sort} ${q.order}, d.id
        LIMIT $${params.push(q.limit)} OFFSET $${params.push(q.offset)}`,
      params,
    );
    return { items: rows, offset: q.offset, total: total.rows[0].n };
  }

  async findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<DomainRow | null> {
    const { rows } = await sql<DomainRow>(
      em,
      `SELECT ${COLUMNS} FROM domains d WHERE d.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async findByName(
    name: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<DomainRow | null> {
    const { rows } = await sql<DomainRow>(
      em,
      `SELECT ${COLUMNS} FROM domains d WHERE d.name = $1${lock ? ' FOR UPDATE' : ''}`,
      [name],
    );
    return rows[0] ?? null;
  }

  async findByNames(names: string[], em: EntityManager = this.ds.manager): Promise<DomainRow[]> {
    const { rows } = await sql<DomainRow>(
      em,
      `SELECT ${COLUMNS} FROM domains d WHERE d.name = ANY($1::text[])`,
      [names],
    );
    return rows;
  }

  /** Locks the domains in id order so concurrent creations in the same domains serialise without deadlock. */
  async lock(em: EntityManager, ids: number[]): Promise<void> {
    await sql(em, `SELECT id FROM domains WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE`, [ids]);
  }

  async usage(id: number, em: EntityManager = this.ds.manager): Promise<DomainUsageRow> {
    const { rows } = await sql<DomainUsageRow>(
      em,
      `SELECT (SELECT count(*) FROM mailboxes WHERE domain_id = $1)::int AS mailboxes,
              (SELECT count(*) FROM aliases WHERE domain_id = $1)::int AS aliases,
              (SELECT COALESCE(sum(quota_bytes), 0) FROM mailboxes WHERE domain_id = $1)::bigint AS "quotaAllocatedBytes",
              (SELECT COALESCE(sum(used_bytes), 0) FROM mailboxes WHERE domain_id = $1)::bigint AS "usedBytes"`,
      [id],
    );
    return rows[0];
  }

  async insert(em: EntityManager, d: DomainFields): Promise<number> {
    const { rows } = await sql<{ id: number }>(
      em,
      `INSERT INTO domains (name, active, max_mailboxes, max_aliases, max_quota_bytes, total_quota_bytes,
                            default_quota_bytes, placement_policy)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        d.name,
        d.active,
        d.maxMailboxes,
        d.maxAliases,
        d.maxQuotaBytes,
        d.totalQuotaBytes,
        d.defaultQuotaBytes,
        JSON.stringify(d.placementPolicy),
      ],
    );
    return rows[0].id;
  }

  async update(em: EntityManager, id: number, changes: Partial<DomainFields>): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [key, value] of Object.entries(changes) as [keyof DomainFields, unknown][]) {
      if (value === undefined) continue;
      const v = key === 'placementPolicy' ? JSON.stringify(value) : value;
      sets.push(`${COLUMN_OF[key]} = $${params.push(v)}`);
    }
    if (sets.length === 0) return;
    await sql(
      em,
      `UPDATE domains SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`,
      params,
    );
  }

  async delete(em: EntityManager, id: number): Promise<void> {
    await sql(em, `DELETE FROM domains WHERE id = $1`, [id]);
  }

  async aliasDomainNamed(name: string, em: EntityManager = this.ds.manager): Promise<boolean> {
    const { rows } = await sql(em, `SELECT 1 FROM alias_domains WHERE name = $1`, [name]);
    return rows.length > 0;
  }

  async existingBackendIds(ids: number[], em: EntityManager = this.ds.manager): Promise<number[]> {
    const { rows } = await sql<{ id: number }>(
      em,
      `SELECT id FROM backends WHERE id = ANY($1::int[])`,
      [ids],
    );
    return rows.map((r) => r.id);
  }
}
