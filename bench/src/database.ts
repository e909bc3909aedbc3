import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrateUp } from '@roost/migrations';

/**
 * A URL of a database on the machine's PostgreSQL from which benchmark databases are created
 * (the role must be allowed to CREATE DATABASE). Override with ROOST_BENCH_PG_URL.
 */
export function benchAdminUrl(): string {
  return process.env.ROOST_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: benchAdminUrl() });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot reach PostgreSQL at ${benchAdminUrl()} (${String(err)}). ` +
        `Start it (scripts/services.sh starts the Debian cluster) or set ROOST_BENCH_PG_URL.`,
      { cause: err },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a database with a unique name and applies every migration to it. */
export async function createBenchDatabase(opts: { prefix?: string } = {}): Promise<BenchDatabase> {
  const name = `${opts.prefix ?? 'roost_bench'}_${randomBytes(4).toString('hex')}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid database name '${name}'`);
  await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  const url = withDatabase(benchAdminUrl(), name);
  const drop = (): Promise<void> =>
    withAdmin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
  try {
    await migrateUp(url);
  } catch (err) {
    await drop();
    throw err;
  }
  return { name, url, drop };
}
