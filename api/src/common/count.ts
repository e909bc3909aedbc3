import { EntityManager } from 'typeorm';
import { sql } from './sql';

/** Above this, list totals are the planner's estimate (react-admin only needs the order of magnitude). */
export const EXACT_COUNT_CAP = 50_000;

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
