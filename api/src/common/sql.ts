import { createHash } from 'node:crypto';
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
 * `prepared` names the statement, so each pooled connection plans it once (only for the hottest
 * statements: PostgreSQL keeps every named statement for the connection's life).
 */
export async function sql<T>(
  em: EntityManager,
  text: string,
  params: unknown[] = [],
  prepared?: string,
): Promise<SqlResult<T>> {
  const runner = em.queryRunner;
  if (runner && !runner.isReleased) {
    const result = await runner.query(text, params, true);
    return { rows: result.records as T[], affected: result.affected ?? 0 };
  }
  const pool = (em.connection.driver as unknown as { master: Pool }).master;
  try {
    const result = await pool.query({ name: prepared, text, values: params });
    return { rows: result.rows as T[], affected: result.rowCount ?? 0 };
  } catch (err) {
    throw new QueryFailedError(text, params, err as Error);
  }
}

/**
 * `[from, to)`: the strings that start with `prefix` as a range, which an index and a generic
 * plan both use, where `LIKE $n` needs the value at planning time. Only for columns with the
 * "C" collation (bytewise order: UTF-8 keeps code point order), with a non-empty prefix.
 */
export function prefixRange(prefix: string): [from: string, to: string] {
  const chars = [...prefix]; // code points: a character outside the BMP is two UTF-16 units
  const last = chars.pop()!.codePointAt(0)!;
  return [prefix, chars.join('') + String.fromCodePoint(last + 1)];
}

/** A prepared statement's name: the same text gets the same name on every connection. */
export function preparedName(text: string): string {
  return `roost_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
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
