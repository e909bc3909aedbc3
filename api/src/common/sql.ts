import { EntityManager } from 'typeorm';

export interface SqlResult<T> {
  rows: T[];
  affected: number;
}

/**
 * Runs one parameterised statement and returns its rows and affected count, whatever the
 * command (TypeORM's plain `query()` changes shape for UPDATE/DELETE).
 */
export async function sql<T>(
  em: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<SqlResult<T>> {
  const own = em.queryRunner === undefined || em.queryRunner.isReleased;
  const runner = own ? em.connection.createQueryRunner() : em.queryRunner;
  try {
    const result = await runner.query(text, params, true);
    return { rows: result.records as T[], affected: result.affected ?? 0 };
  } finally {
    if (own) await runner.release();
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
