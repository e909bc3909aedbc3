import { EntityManager } from 'typeorm';
import { FilterKind, Filters, ListQuery, Page } from './list-query';
import { likePrefix, sql } from './sql';

/** The filter kinds that compare one column with the value; the others need SQL of their own. */
type ColumnFilterKind = Extract<FilterKind, 'prefix' | 'ids' | 'int' | 'bool' | { enum: unknown }>;

/** The WHERE clause of a list query and its parameters, built term by term. */
export class SqlWhere {
  readonly params: unknown[] = [];
  private readonly terms: string[] = [];

  /** Adds a parameter and returns its placeholder (`$n`). */
  param(value: unknown): string {
    return `$${this.params.push(value)}`;
  }

  and(term: string): this {
    this.terms.push(term);
    return this;
  }

  /**
   * One term for each filter the query has, on the column `columns` names for it: `prefix` is
   * `LIKE 'ab%'` (`%` and `_` literal), `ids` is `= ANY(...)`, the other kinds are `=`.
   */
  andFilters<F extends Record<string, ColumnFilterKind>>(
    kinds: F,
    filter: Filters<F>,
    columns: { [K in keyof F]: string },
  ): this {
    for (const key of Object.keys(kinds) as (keyof F)[]) {
      const value = filter[key];
      if (value === undefined) continue;
      const kind = kinds[key];
      const column = columns[key];
      if (kind === 'prefix') this.and(`${column} LIKE ${this.param(likePrefix(value as string))}`);
      else if (kind === 'ids') this.and(`${column} = ANY(${this.param(value)}::int[])`);
      else this.and(`${column} = ${this.param(value)}`);
    }
    return this;
  }

  /** `WHERE a AND b`, or nothing without terms. */
  clause(): string {
    return this.terms.length ? `WHERE ${this.terms.join(' AND ')}` : '';
  }
}

/**
 * One page of a short list (domains, alias domains, backends, moves, plans) with its exact total. The long
 * lists (mailboxes, aliases) cap their counts instead (see `count.ts`).
 */
export async function exactPage<T>(
  em: EntityManager,
  q: Pick<ListQuery<string, unknown>, 'limit' | 'offset'>,
  query: {
    /** `SELECT <columns> FROM <table> [joins]`. */
    select: string;
    /** `FROM <table>`: what the total counts (without the joins that only add columns). */
    countFrom: string;
    where: SqlWhere;
    /** Ends with a unique column, so that pages neither overlap nor skip rows. */
    orderBy: string;
  },
): Promise<Page<T>> {
  const params = [...query.where.params];
  const total = await sql<{ n: number }>(
    em,
    `SELECT count(*)::int AS n ${query.countFrom} ${query.where.clause()}`,
    params,
  );
  const { rows } = await sql<T>(
    em,
    `${query.select} ${query.where.clause()} ORDER BY ${query.orderBy}
      LIMIT $${params.push(q.limit)} OFFSET $${params.push(q.offset)}`,
    params,
  );
  return { items: rows, offset: q.offset, total: total.rows[0].n };
}
