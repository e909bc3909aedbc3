#!/usr/bin/env node
/**
 * `npm run migrate` (up), `node migrations/dist/run.js down [steps]`, or
 * `node migrations/dist/run.js routing-role NAME` (password from ROUTING_DB_PASSWORD).
 */
import { migrateDown, migrateUp } from './migrator';
import { ensureRoutingRole } from './routing-role';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/roost)');
  const [command = 'up', arg] = process.argv.slice(2);
  if (command === 'up') {
    const applied = await migrateUp(url);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } else if (command === 'down') {
    const steps = Number(arg ?? 1);
    await migrateDown(url, steps);
    console.log(`reverted ${steps} migration(s)`);
  } else if (command === 'routing-role') {
    const password = process.env.ROUTING_DB_PASSWORD;
    if (!password) throw new Error('ROUTING_DB_PASSWORD is not set');
    const role = arg ?? 'roost_routing';
    await ensureRoutingRole(url, role, password);
    console.log(`role ${role} may read the routing views`);
  } else {
    throw new Error(`unknown command '${command}': use up, down or routing-role`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
