import type { Client } from 'pg';

/** The part of PostgreSQL's EXPLAIN (FORMAT JSON) plan node that the checks read. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

export interface ExplainRun {
  planningMs: number;
  executionMs: number;
  plan: PlanNode;
}

interface ExplainJson {
  Plan: PlanNode;
  'Planning Time': number;
  'Execution Time': number;
}

/** EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON): runs the query once and returns its plan and timings. */
export async function explainAnalyze(
  client: Client,
  sql: string,
  values?: unknown[],
): Promise<ExplainRun> {
  const res = await client.query<{ 'QUERY PLAN': ExplainJson[] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
    values,
  );
  const [out] = res.rows[0]['QUERY PLAN'];
  return { planningMs: out['Planning Time'], executionMs: out['Execution Time'], plan: out.Plan };
}

/** EXPLAIN (ANALYZE, BUFFERS) as the text people read. */
export async function explainText(
  client: Client,
  sql: string,
  values?: unknown[],
): Promise<string> {
  const res = await client.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS) ${sql}`,
    values,
  );
  return res.rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** Every node of a plan, depth first. */
export function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

/** The sequential scans of the given tables in a plan, as EXPLAIN prints them ("Seq Scan on mailboxes m"). */
export function seqScansOn(plan: PlanNode, tables: readonly string[]): string[] {
  return planNodes(plan)
    .filter((n) => n['Node Type'] === 'Seq Scan' && tables.includes(n['Relation Name'] ?? ''))
    .map((n) => {
      const alias = n.Alias && n.Alias !== n['Relation Name'] ? ` ${n.Alias}` : '';
      return `Seq Scan on ${n['Relation Name']}${alias}`;
    });
}

/** The indexes a plan reads, in plan order, without repeats. */
export function indexesUsed(plan: PlanNode): string[] {
  return [...new Set(planNodes(plan).flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])))];
}

/** A LIKE pattern matching strings that start with `prefix` (backslash is LIKE's default escape). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
}
