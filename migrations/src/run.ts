#!/usr/bin/env node
/** `npm run migrate` (up) or `node migrations/dist/run.js down [steps]`. */
import { migrateDown, migrateUp } from './migrator';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/roost)');
  const [command = 'up', steps = '1'] = process.argv.slice(2);
  if (command === 'up') {
    const applied = await migrateUp(url);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } else if (command === 'down') {
    await migrateDown(url, Number(steps));
    console.log(`reverted ${steps} migration(s)`);
  } else {
    throw new Error(`unknown command '${command}': use up or down`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
