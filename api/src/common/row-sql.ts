import { EntityManager } from 'typeorm';
import { sql } from './sql';

/** The first row a statement returns, or null. */
export async function oneRow<T>(
  em: EntityManager,
  text: string,
  params: unknown[],
): Promise<T | null> {
  const { rows } = await sql<T>(em, text, params);
  return rows[0] ?? null;
}

/** A table whose rows are written field by field (it has `id` and `updated_at` columns). */
export interface WritableTable<F> {
  name: string;
  /** The column of each field. */
  columnOf: Record<keyof F, string>;
  /** Fields stored as jsonb: sent as JSON text; null stays SQL NULL. */
  json?: readonly (keyof F)[];
}

function valueOf<F>(table: WritableTable<F>, field: keyof F, value: unknown): unknown {
  return value !== null && table.json?.includes(field) ? JSON.stringify(value) : value;
}

/** Inserts a row with every field and returns its id. */
export async function insertRow<F>(
  em: EntityManager,
  table: WritableTable<F>,
  fields: F,
): Promise<number> {
  const keys = Object.keys(table.columnOf) as (keyof F)[];
  const { rows } = await sql<{ id: number }>(
    em,
    `INSERT INTO ${table.name} (${keys.map((k) => table.columnOf[k]).join(', ')})
     VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    keys.map((k) => valueOf(table, k, fields[k])),
  );
  return rows[0].id;
}

/** Sets the fields that are not undefined, and `updated_at`; does nothing when none is set. */
export async function updateRow<F>(
  em: EntityManager,
  table: WritableTable<F>,
  id: number,
  changes: Partial<F>,
): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [k, v] of Object.entries(changes) as [keyof F, unknown][]) {
    if (v === undefined) continue;
    sets.push(`${table.columnOf[k]} = $${params.push(valueOf(table, k, v))}`);
  }
  if (sets.length === 0) return;
  await sql(
    em,
    `UPDATE ${table.name} SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`,
    params,
  );
}
