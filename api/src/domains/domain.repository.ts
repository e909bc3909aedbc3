import { Injectable } from '@nestjs/common';
import { DomainLimits, DomainUsage, PlacementPolicy } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { exactPage, SqlWhere } from '../common/list-sql';
import { ListQuery, Page } from '../common/list-query';
import { insertRow, oneRow, updateRow, WritableTable } from '../common/row-sql';
import { sql } from '../common/sql';

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

const DOMAINS: WritableTable<DomainFields> = {
  name: 'domains',
  columnOf: {
    name: 'name',
    active: 'active',
    maxMailboxes: 'max_mailboxes',
    maxAliases: 'max_aliases',
    maxQuotaBytes: 'max_quota_bytes',
    totalQuotaBytes: 'total_quota_bytes',
    defaultQuotaBytes: 'default_quota_bytes',
    placementPolicy: 'placement_policy',
  },
  json: ['placementPolicy'],
};

@Injectable()
export class DomainRepository {
  constructor(private readonly ds: DataSource) {}

  /** `scope` null means every domain. */
  async list(
    scope: number[] | null,
    q: ListQuery<(typeof DOMAIN_SORT)[number], typeof DOMAIN_FILTERS>,
  ): Promise<Page<DomainRow>> {
    const where = new SqlWhere();
    if (scope) where.and(`d.id = ANY(${where.param(scope)}::int[])`);
    where.andFilters(DOMAIN_FILTERS, q.filter, { q: 'd.name', id: 'd.id', active: 'd.active' });
    return exactPage(this.ds.manager, q, {
      select: `SELECT ${COLUMNS} FROM domains d`,
      countFrom: 'FROM domains d',
      where,
      orderBy: `d.${q.sort} ${q.order}, d.id`,
    });
  }

  findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<DomainRow | null> {
    return oneRow<DomainRow>(
      em,
      `SELECT ${COLUMNS} FROM domains d WHERE d.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
  }

  findByName(
    name: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<DomainRow | null> {
    return oneRow<DomainRow>(
      em,
      `SELECT ${COLUMNS} FROM domains d WHERE d.name = $1${lock ? ' FOR UPDATE' : ''}`,
      [name],
    );
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
    return (await this.usageOf([id], em)).get(id)!;
  }

  /**
   * The usage of several domains (a list page) in one query: one pass over each domain's
   * mailboxes and aliases through their (domain_id, local_part) indexes, however many domains.
   */
  async usageOf(
    ids: number[],
    em: EntityManager = this.ds.manager,
  ): Promise<Map<number, DomainUsageRow>> {
    const { rows } = await sql<DomainUsageRow & { id: number }>(
      em,
      `SELECT d.id, COALESCE(m.n, 0)::int AS mailboxes, COALESCE(a.n, 0)::int AS aliases,
              COALESCE(m.quota, 0)::bigint AS "quotaAllocatedBytes",
              COALESCE(m.used, 0)::bigint AS "usedBytes"
         FROM unnest($1::int[]) AS d(id)
         LEFT JOIN (SELECT domain_id, count(*) AS n, sum(quota_bytes) AS quota, sum(used_bytes) AS used
                      FROM mailboxes WHERE domain_id = ANY($1::int[]) GROUP BY domain_id) m
           ON m.domain_id = d.id
         LEFT JOIN (SELECT domain_id, count(*) AS n
                      FROM aliases WHERE domain_id = ANY($1::int[]) GROUP BY domain_id) a
           ON a.domain_id = d.id`,
      [ids],
    );
    return new Map(rows.map(({ id, ...usage }) => [id, usage]));
  }

  insert(em: EntityManager, d: DomainFields): Promise<number> {
    return insertRow(em, DOMAINS, d);
  }

  update(em: EntityManager, id: number, changes: Partial<DomainFields>): Promise<void> {
    return updateRow(em, DOMAINS, id, changes);
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
