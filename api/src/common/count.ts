import { EntityManager } from 'typeorm';
import { sql } from './sql';

/** Above this, list totals are the planner's estimate (react-admin only needs the order of magnitude). */
export const EXACT_COUNT_CAP = 1_000;

/**
 * Counts `FROM ... WHERE ...` exactly up to the cap, so a list over 1,000,000 rows never pays for
 * a full count; beyond it, returns the planner's row estimate (at least cap + 1).
 */
export async function cappedCount(
  em: EntityManager,
  fromWhere: string,
  params: unknown[],
): Promise<number> {
  const { rows } = await sql<{ n: number }>(
    em,
    `SELECT count(*)::int AS n FROM (SELECT 1 ${fromWhere} LIMIT ${EXACT_COUNT_CAP + 1}) t`,
    params,
  );
  return cappedTotal(em, rows[0].n, { fromWhere, params });
}

/**
 * A list's total from a count that stopped at EXACT_COUNT_CAP + 1 rows: exact up to the cap;
 * above it, the planner's estimate of `FROM ... WHERE ...`, never less than what was counted.
 */
export async function cappedTotal(
  em: EntityManager,
  counted: number,
  q: { fromWhere: string; params: unknown[] },
): Promise<number> {
  return counted <= EXACT_COUNT_CAP ? counted : Math.max(await estimatedRows(em, q), counted);
}

/** The planner's row estimate of a list's `FROM ... WHERE ...`. */
async function estimatedRows(
  em: EntityManager,
  q: { fromWhere: string; params: unknown[] },
): Promise<number> {
  const plan = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    em,
    `EXPLAIN (FORMAT JSON) SELECT 1 ${q.fromWhere}`,
    q.params,
  );
  return Math.round(plan.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
}

/** A page rendered to JSON by PostgreSQL: sent as it is, never parsed into objects here. */
export interface JsonPage {
  /** A JSON array of the page's rows. */
  json: string;
  count: number;
  offset: number;
  total: number;
}

/**
 * One page, rendered to a JSON array by PostgreSQL, and its (capped) total, in a single round
 * trip: the list routes over 1,000,000 rows are hot, and a second statement, row parsing and
 * re-serialising 50 rows per request cost more than the page itself.
 * `order` orders the page; `aggOrder` is the same order on the page's aliases (`x.<alias>`).
 */
export interface JsonPageQuery {
  columns: string;
  fromWhere: string;
  order: string;
  aggOrder: string;
  params: unknown[];
  limit: number;
  offset: number;
}

export async function jsonPageWithCount(em: EntityManager, q: JsonPageQuery): Promise<JsonPage> {
  const params = [...q.params];
  const limit = `$${params.push(q.limit)}`;
  const offset = `$${params.push(q.offset)}`;
  const { rows } = await sql<{ total: number; json: string | null; count: number }>(
    em,
    `SELECT c.n AS total, p.json, p.count
       FROM (SELECT count(*)::int AS n FROM (SELECT 1 ${q.fromWhere} LIMIT ${EXACT_COUNT_CAP + 1}) t) c
      CROSS JOIN LATERAL (
        SELECT json_agg(x ORDER BY ${q.aggOrder})::text AS json, count(*)::int AS count
          FROM (SELECT ${q.columns} ${q.fromWhere} ORDER BY ${q.order} LIMIT ${limit} OFFSET ${offset}) x
      ) p`,
    params,
  );
  const row = rows[0];
  const total = await cappedTotal(em, row.total, q);
  return { json: row.json ?? '[]', count: row.count, offset: q.offset, total };
}
