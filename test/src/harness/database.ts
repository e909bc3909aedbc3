import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrateUp } from '@roost/migrations';

/**
 * The machine's PostgreSQL (this machine kind runs one on 127.0.0.1:5432 with trust auth).
 * Override with ROOST_TEST_PG_URL, a URL of a database the harness may create databases from.
 */
export function adminDatabaseUrl(): string {
  return process.env.ROOST_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function urlFor(base: string, dbName: string): string {
  const u = new URL(base);
  u.pathname = `/${dbName}`;
  return u.toString();
}

async function withAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminDatabaseUrl() });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot reach PostgreSQL at ${adminDatabaseUrl()} (${String(err)}). ` +
        `Start it (scripts/services.sh starts the Debian cluster) or set ROOST_TEST_PG_URL.`,
      { cause: err },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name; `migrate` applies Roost's migrations to it. */
export async function createTestDatabase(
  opts: { migrate?: boolean; prefix?: string } = {},
): Promise<TestDatabase> {
  const name = `${opts.prefix ?? 'roost_test'}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  const url = urlFor(adminDatabaseUrl(), name);
  if (opts.migrate !== false) await migrateUp(url);
  return {
    name,
    url,
    drop: () =>
      withAdmin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}
