import { DataSource } from 'typeorm';
import { MIGRATIONS } from './list';

/** A connection that knows only the migrations: migrations never import entities. */
function migrationDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
  });
}

async function withDataSource<T>(url: string, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = await migrationDataSource(url).initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

/** Applies every pending migration, each in its own transaction; returns their names. */
export function migrateUp(url: string): Promise<string[]> {
  return withDataSource(url, async (ds) =>
    (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name),
  );
}

/** Reverts the last `steps` migrations. */
export function migrateDown(url: string, steps = 1): Promise<void> {
  return withDataSource(url, async (ds) => {
    for (let i = 0; i < steps; i++) await ds.undoLastMigration({ transaction: 'each' });
  });
}

export function pendingMigrations(url: string): Promise<boolean> {
  return withDataSource(url, (ds) => ds.showMigrations());
}
