import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { cappedCount } from '../common/count';
import { ListQuery, Page } from '../common/list-query';
import { oneRow } from '../common/row-sql';
import { likePrefix, sql } from '../common/sql';
import { AliasFacts } from './alias-graph';

export interface AliasRow {
  id: number;
  domainId: number;
  /** Empty for the catch-all `@domain`. */
  localPart: string;
  address: string;
  targets: string[];
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const ALIAS_SORT = ['id', 'address'] as const;
export const ALIAS_FILTERS = {
  q: 'prefix',
  id: 'ids',
  domainId: 'int',
  active: 'bool',
  target: 'string',
} as const;

const COLUMNS = `a.id, a.domain_id AS "domainId", a.local_part AS "localPart", a.address, a.targets, a.active,
  a.created_at AS "createdAt", a.updated_at AS "updatedAt"`;

@Injectable()
export class AliasRepository {
  constructor(private readonly ds: DataSource) {}

  async list(
    scope: number[] | null,
    q: ListQuery<(typeof ALIAS_SORT)[number], typeof ALIAS_FILTERS>,
  ): Promise<Page<AliasRow>> {
    const f = q.filter;
    let domainId = f.domainId;
    if (scope && domainId !== undefined && !scope.includes(domainId))
      return { items: [], offset: q.offset, total: 0 };
    if (scope && scope.length === 0) return { items: [], offset: q.offset, total: 0 };
    if (scope && scope.length === 1 && domainId === undefined) domainId = scope[0];
    const where: string[] = [];
    const params: unknown[] = [];
    if (domainId !== undefined) where.push(`a.domain_id = $${params.push(domainId)}`);
    else if (scope) where.push(`a.domain_id = ANY($${params.push(scope)}::int[])`);
    if (f.q !== undefined && f.q !== '') {
      const column = domainId !== undefined && !f.q.includes('@') ? 'a.local_part' : 'a.address';
      where.push(`${column} LIKE $${params.push(likePrefix(f.q))}`);
    }
    if (f.id) where.push(`a.id = ANY($${params.push(f.id)}::int[])`);
    if (f.active !== undefined) where.push(`a.active = $${params.push(f.active)}`);
    if (f.target !== undefined)
      where.push(`$${params.push(f.target.toLowerCase())} = ANY(a.targets)`);
    const fromWhere = `FROM aliases a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    const order =
      q.sort === 'id'
        ? `a.id ${q.order}`
        : domainId !== undefined
          ? `a.local_part ${q.order}`
          : `a.address ${q.order}`;
    const countParams = [...params];
    const em = this.ds.manager;
    const { rows } = await sql<AliasRow>(
      em,
      `SELECT ${COLUMNS} ${fromWhere} ORDER BY ${order} LIMIT $${params.push(q.limit)} OFFSET $${params.push(q.offset)}`,
      params,
    );
    const total =
      rows.length < q.limit && (rows.length > 0 || q.offset === 0)
        ? q.offset + rows.length
        : await cappedCount(em, fromWhere, countParams);
    return { items: rows, offset: q.offset, total };
  }

  findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<AliasRow | null> {
    return oneRow(
      em,
      `SELECT ${COLUMNS} FROM aliases a WHERE a.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
  }

  async existingAddresses(
    addresses: string[],
    em: EntityManager = this.ds.manager,
  ): Promise<Set<string>> {
    const { rows } = await sql<{ address: string }>(
      em,
      `SELECT address FROM aliases WHERE address = ANY($1::text[])`,
      [addresses],
    );
    return new Set(rows.map((r) => r.address));
  }

  async countInDomain(domainId: number, em: EntityManager): Promise<number> {
    const { rows } = await sql<{ n: number }>(
      em,
      `SELECT count(*)::int AS n FROM aliases WHERE domain_id = $1`,
      [domainId],
    );
    return rows[0].n;
  }

  async insertMany(
    em: EntityManager,
    list: {
      domainId: number;
      localPart: string;
      address: string;
      targets: string[];
      active: boolean;
    }[],
  ): Promise<number[]> {
    const ids: number[] = [];
    for (const a of list) {
      const { rows } = await sql<{ id: number }>(
        em,
        `INSERT INTO aliases (domain_id, local_part, address, targets, active) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [a.domainId, a.localPart, a.address, a.targets, a.active],
      );
      ids.push(rows[0].id);
    }
    return ids;
  }

  async update(
    em: EntityManager,
    id: number,
    a: { targets?: string[]; active?: boolean },
  ): Promise<void> {
    await sql(
      em,
      `UPDATE aliases SET targets = COALESCE($2, targets), active = COALESCE($3, active), updated_at = now() WHERE id = $1`,
      [id, a.targets ?? null, a.active ?? null],
    );
  }

  async delete(em: EntityManager, id: number): Promise<void> {
    await sql(em, `DELETE FROM aliases WHERE id = $1`, [id]);
  }

  /** What the loop check needs about these addresses: their aliases, mailboxes, catch-alls and alias domains. */
  async facts(em: EntityManager, addresses: string[]): Promise<AliasFacts> {
    const domains = [...new Set(addresses.map((a) => a.slice(a.lastIndexOf('@') + 1)))];
    const keys = [...addresses, ...domains.map((d) => `@${d}`)];
    const aliases = await sql<{ address: string; targets: string[] }>(
      em,
      `SELECT address, targets FROM aliases WHERE active AND address = ANY($1::text[])`,
      [keys],
    );
    const mailboxes = await sql<{ address: string }>(
      em,
      `SELECT address FROM mailboxes WHERE address = ANY($1::text[]) AND state NOT IN ('deleting')`,
      [addresses],
    );
    const aliasDomains = await sql<{ name: string; target: string }>(
      em,
      `SELECT ad.name, d.name AS target FROM alias_domains ad JOIN domains d ON d.id = ad.target_domain_id
        WHERE ad.active AND ad.name = ANY($1::text[])`,
      [domains],
    );
    return {
      aliases: new Map(aliases.rows.map((r) => [r.address, r.targets])),
      mailboxes: new Set(mailboxes.rows.map((r) => r.address)),
      aliasDomains: new Map(aliasDomains.rows.map((r) => [r.name, r.target])),
    };
  }
}
