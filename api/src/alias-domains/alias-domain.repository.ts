import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ListQuery, Page } from '../common/list-query';
import { likePrefix, sql } from '../common/sql';

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
    const where: string[] = [];
    const params: unknown[] = [];
    if (scope) where.push(`ad.target_domain_id = ANY($${params.push(scope)}::int[])`);
    if (q.filter.q !== undefined)
      where.push(`ad.name LIKE $${params.push(likePrefix(q.filter.q))}`);
    if (q.filter.id) where.push(`ad.id = ANY($${params.push(q.filter.id)}::int[])`);
    if (q.filter.targetDomainId)
      where.push(`ad.target_domain_id = $${params.push(q.filter.targetDomainId)}`);
    if (q.filter.active !== undefined) where.push(`ad.active = $${params.push(q.filter.active)}`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const em = this.ds.manager;
    const total = await sql<{ n: number }>(
      em,
      `SELECT count(*)::int AS n FROM alias_domains ad ${w}`,
      params,
    );
    const { rows } = await sql<AliasDomainRow>(
      em,
      `SELECT ${COLUMNS} FROM alias_domains ad ${w} ORDER BY ad.${q.sort} ${q.order}, ad.id
        LIMIT $${params.push(q.limit)} OFFSET $${params.push(q.offset)}`,
      params,
    );
    return { items: rows, offset: q.offset, total: total.rows[0].n };
  }

  async findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<AliasDomainRow | null> {
    const { rows } = await sql<AliasDomainRow>(
      em,
      `SELECT ${COLUMNS} FROM alias_domains ad WHERE ad.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
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
