import type { Pool } from 'pg';
import { EntityManager, QueryFailedError } from 'typeorm';

export interface SqlResult<T> {
  rows: T[];
  affected: number;
}

/**
 * Runs one parameterised statement and returns its rows and affected count, whatever the
 * command. Inside a transaction it uses the transaction's connection; outside one it goes
 * straight to the pool (no TypeORM query runner per statement: the list routes are hot).
 * Errors are TypeORM's QueryFailedError either way, so one filter maps them.
 */
export async function sql<T>(
  em: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<SqlResult<T>> {
  const runner = em.queryRunner;
  if (runner && !runner.isReleased) {
    const result = await runner.query(text, params, true);
    return { rows: result.records as T[], affected: result.affected ?? 0 };
  }
  const pool = (em.connection.driver as unknown as { master: Pool }).master;
  try {
    const result = await pool.query(text, params);
    return { rows: result.rows as T[], affected: result.rowCount ?? 0 };
  } catch (err) {
    throw new QueryFailedError(text, params, err as Error);
  }
}

/** Escapes `%`, `_` and `\` for a `LIKE 'prefix%'` pattern. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** True for PostgreSQL's unique_violation on the named constraint (or any, without a name). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as {
    code?: string;
    constraint?: string;
    driverError?: { code?: string; constraint?: string };
  };
  const code = e.code ?? e.driverError?.code;
  const name = e.constraint ?? e.driverError?.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}
