import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { exactPage, SqlWhere } from '../common/list-sql';
import { ListQuery, Page } from '../common/list-query';
import { oneRow } from '../common/row-sql';
import { sql } from '../common/sql';

export interface AliasDomainRow {
  id: number;
  name: string;
  targetDomainId: number;
  active: boolean;
  createdAt: Date;
}

export const ALIAS_DOMAIN_SORT = ['id', 'name'] as const;
export const ALIAS_DOMAIN_FILTERS = {
  q: 'prefix',
  id: 'ids',
  targetDomainId: 'int',
  active: 'bool',
} as const;

const COLUMNS = `ad.id, ad.name, ad.target_domain_id AS "targetDomainId", ad.active, ad.created_at AS "createdAt"`;

@Injectable()
export class AliasDomainRepository {
  constructor(private readonly ds: DataSource) {}

  async list(
    scope: number[] | null,
    q: ListQuery<(typeof ALIAS_DOMAIN_SORT)[number], typeof ALIAS_DOMAIN_FILTERS>,
  ): Promise<Page<AliasDomainRow>> {
    const where = new SqlWhere();
    if (scope) where.and(`ad.target_domain_id = ANY(${where.param(scope)}::int[])`);
    where.andFilters(ALIAS_DOMAIN_FILTERS, q.filter, {
      q: 'ad.name',
      id: 'ad.id',
      targetDomainId: 'ad.target_domain_id',
      active: 'ad.active',
    });
    return exactPage(this.ds.manager, q, {
      select: `SELECT ${COLUMNS} FROM alias_domains ad`,
      countFrom: 'FROM alias_domains ad',
      where,
      orderBy: `ad.${q.sort} ${q.order}, ad.id`,
    });
  }

  findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<AliasDomainRow | null> {
    return oneRow<AliasDomainRow>(
      em,
      `SELECT ${COLUMNS} FROM alias_domains ad WHERE ad.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
  }

  /** Active alias domains by name, for resolving alias chains. */
  async targetsOf(
    names: string[],
    em: EntityManager = this.ds.manager,
  ): Promise<Map<string, string>> {
    const { rows } = await sql<{ name: string; target: string }>(
      em,
      `SELECT ad.name, d.name AS target FROM alias_domains ad JOIN domains d ON d.id = ad.target_domain_id
        WHERE ad.name = ANY($1::text[]) AND ad.active`,
      [names],
    );
    return new Map(rows.map((r) => [r.name, r.target]));
  }

  async insert(
    em: EntityManager,
    a: { name: string; targetDomainId: number; active: boolean },
  ): Promise<number> {
    const { rows } = await sql<{ id: number }>(
      em,
      `INSERT INTO alias_domains (name, target_domain_id, active) VALUES ($1, $2, $3) RETURNING id`,
      [a.name, a.targetDomainId, a.active],
    );
    return rows[0].id;
  }

  async update(
    em: EntityManager,
    id: number,
    a: { targetDomainId?: number; active?: boolean },
  ): Promise<void> {
    await sql(
      em,
      `UPDATE alias_domains SET target_domain_id = COALESCE($2, target_domain_id), active = COALESCE($3, active)
        WHERE id = $1`,
      [id, a.targetDomainId ?? null, a.active ?? null],
    );
  }

  async delete(em: EntityManager, id: number): Promise<void> {
    await sql(em, `DELETE FROM alias_domains WHERE id = $1`, [id]);
  }
}
