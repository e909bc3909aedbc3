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
  const n = rows[0].n;
  if (n <= EXACT_COUNT_CAP) return n;
  const plan = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    em,
    `EXPLAIN (FORMAT JSON) SELECT 1 ${fromWhere}`,
    params,
  );
  const estimate = Math.round(plan.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
  return Math.max(estimate, n);
}

/**
 * One page and its (capped) total in a single round trip: the list routes over 1,000,000 rows
 * are hot, and a second statement per request costs as much as the page itself.
 * `order` is the ORDER BY inside the page; `outerOrder` the same order on the page's aliases.
 */
export async function pageWithCount<T extends object>(
  em: EntityManager,
  q: {
    columns: string;
    fromWhere: string;
    order: string;
    outerOrder: string;
    params: unknown[];
    limit: number;
    offset: number;
  },
): Promise<{ rows: T[]; total: number }> {
  const params = [...q.params];
  const limit = `$${params.push(q.limit)}`;
  const offset = `$${params.push(q.offset)}`;
  const { rows } = await sql<T & { __total: number }>(
    em,
    `SELECT c.n AS "__total", p.*
       FROM (SELECT count(*)::int AS n FROM (SELECT 1 ${q.fromWhere} LIMIT ${EXACT_COUNT_CAP + 1}) t) c
       LEFT JOIN LATERAL (SELECT ${q.columns} ${q.fromWhere} ORDER BY ${q.order} LIMIT ${limit} OFFSET ${offset}) p ON true
      ORDER BY ${q.outerOrder}`,
    params,
  );
  let total = rows[0]?.__total ?? 0;
  const items = rows
    .filter((r) => (r as { id?: unknown }).id !== null)
    .map((r) => {
      const item: Partial<T & { __total: number }> = { ...r };
      delete item.__total;
      return item as T;
    });
  if (total > EXACT_COUNT_CAP) {
    const plan = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      em,
      `EXPLAIN (FORMAT JSON) SELECT 1 ${q.fromWhere}`,
      q.params,
    );
    total = Math.max(Math.round(plan.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']), total);
  }
  return { rows: items, total };
}
