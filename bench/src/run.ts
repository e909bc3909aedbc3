#!/usr/bin/env node
/**
 * `npm run bench -- [name...] [--keep] [--list] [--key=value ...]`: runs the named benchmarks (all
 * when none is named), prints a table and writes bench/results/<name>-<timestamp>.json each.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from './args';
import type { BenchContext, BenchResult, Benchmark } from './benchmark';
import { BENCHMARKS } from './benchmarks';
import { type BenchDatabase, benchAdminUrl, createBenchDatabase } from './database';
import { formatTable, resultFileName } from './report';

const RESULTS_DIR = resolve(__dirname, '..', 'results');

const USAGE = `usage: npm run bench -- [name...] [--keep] [--list] [--key=value ...]
  name         benchmarks to run (default: all); --list shows them
  --keep       keep the databases the benchmarks create (their URLs are printed)
  --key=value  passed to the benchmarks (e.g. dataset: --mailboxes=100000 --samples=50)
env: ROOST_BENCH_PG_URL  database to create benchmark databases from
     (default postgres://postgres@127.0.0.1:5432/postgres)`;

/** Databases still to drop, so that Ctrl-C does not leave a million rows behind. */
const openDatabases = new Set<BenchDatabase>();
let interrupted = false;

async function dropAll(): Promise<void> {
  for (const db of [...openDatabases]) {
    await db.drop();
    openDatabases.delete(db);
  }
}

async function runOne(
  bench: Benchmark,
  options: ReadonlyMap<string, string>,
  keep: boolean,
): Promise<{ result: BenchResult; startedAt: Date; ms: number }> {
  const startedAt = new Date();
  const start = performance.now();
  const failures: string[] = [];
  const databases: BenchDatabase[] = [];
  const stamp = (): string => `[${bench.name} ${((performance.now() - start) / 1000).toFixed(1)}s]`;
  const ctx: BenchContext = {
    options,
    progress: (message) => console.log(`${stamp()} ${message}`),
    fail: (message) => {
      if (interrupted) return; // the dropped database's errors are not findings
      failures.push(message);
      console.log(`FAIL ${bench.name}: ${message}`);
    },
    createDatabase: async () => {
      const db = await createBenchDatabase({
        prefix: `roost_bench_${bench.name.toLowerCase().replace(/\W/g, '_')}`,
      });
      databases.push(db);
      if (!keep) openDatabases.add(db);
      console.log(`${stamp()} database ${db.name} created and migrated`);
      return db;
    },
  };
  let result: BenchResult;
  try {
    result = await bench.run(ctx);
  } catch (err) {
    ctx.fail(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    result = { name: bench.name, metrics: [] };
  } finally {
    for (const db of databases) {
      if (keep) {
        console.log(`${stamp()} kept database ${db.url}`);
      } else {
        await db.drop();
        openDatabases.delete(db);
        console.log(`${stamp()} dropped database ${db.name}`);
      }
    }
  }
  result.failures = [...(result.failures ?? []), ...failures];
  return { result, startedAt, ms: performance.now() - start };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.list) {
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(12)} ${b.description}`);
    return 0;
  }
  const unknown = args.names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
    return 2;
  }
  const selected = args.names.length
    ? args.names.map((n) => BENCHMARKS.find((b) => b.name === n) as Benchmark)
    : [...BENCHMARKS];

  process.once('SIGINT', () => {
    interrupted = true;
    console.log('interrupted: dropping benchmark databases');
    dropAll().then(
      () => process.exit(130),
      (err: unknown) => {
        console.error(err);
        process.exit(130);
      },
    );
  });

  await mkdir(RESULTS_DIR, { recursive: true });
  const results: BenchResult[] = [];
  for (const bench of selected) {
    console.log(`== ${bench.name}: ${bench.description}`);
    const { result, startedAt, ms } = await runOne(bench, args.options, args.keep);
    results.push(result);
    const file = join(RESULTS_DIR, resultFileName(bench.name, startedAt));
    const record = {
      ...result,
      description: bench.description,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(ms),
      options: Object.fromEntries(args.options),
      host: {
        node: process.version,
        cpus: cpus().length,
        pg: benchAdminUrl().replace(/\/\/[^@]*@/, '//'),
      },
    };
    await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`${bench.name}: wrote ${relative(process.cwd(), file)}`);
  }

  console.log('');
  console.log(formatTable(results));
  for (const r of results) for (const n of r.notes ?? []) console.log(`note ${r.name}: ${n}`);
  const failures = results.flatMap((r) => (r.failures ?? []).map((f) => `FAIL ${r.name}: ${f}`));
  if (failures.length > 0) {
    console.log('');
    for (const f of failures) console.log(f);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    await dropAll().catch(() => undefined);
    process.exitCode = 1;
  },
);
