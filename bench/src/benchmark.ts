import type { BenchDatabase } from './database';

/** One measured figure. `baseline` (same unit) is a reference figure; the table prints value/baseline. */
export interface Metric {
  label: string;
  value: number;
  unit: string;
  baseline?: number;
}

export interface BenchResult {
  name: string;
  metrics: Metric[];
  notes?: string[];
  /** Failed checks (also printed as FAIL lines while the benchmark runs); any makes the run exit 1. */
  failures?: string[];
  /** Anything else worth keeping (EXPLAIN plans, sizes, settings): written to the JSON file only. */
  details?: Record<string, unknown>;
}

export interface BenchContext {
  /** `--key=value` flags from the command line (`--key` alone is `'true'`). */
  options: ReadonlyMap<string, string>;
  /** A progress line, printed at once (long steps print one at least every few seconds). */
  progress: (message: string) => void;
  /** Prints a FAIL line at once and records the failure in the result. */
  fail: (message: string) => void;
  /** A fresh migrated database; the runner drops it after the benchmark unless `--keep` is given. */
  createDatabase: () => Promise<BenchDatabase>;
}

export interface Benchmark {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

/** Reads a numeric `--key=value` option (underscores allowed: `--mailboxes=1_000_000`). */
export function numberOption(ctx: BenchContext, key: string, fallback: number): number {
  const raw = ctx.options.get(key);
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${key} must be a number, got '${raw}'`);
  return value;
}

/**
 * Runs one long step: a progress line when it starts, one every `heartbeatMs` while it runs (a
 * single SQL statement gives no progress of its own), and one with its duration when it ends.
 */
export async function timed<T>(
  progress: (message: string) => void,
  label: string,
  fn: () => Promise<T>,
  heartbeatMs = 10_000,
): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  progress(`${label} ...`);
  const timer = setInterval(() => {
    progress(`${label} ... still running (${((performance.now() - start) / 1000).toFixed(0)} s)`);
  }, heartbeatMs);
  try {
    const value = await fn();
    const ms = performance.now() - start;
    progress(`${label}: ${(ms / 1000).toFixed(1)} s`);
    return { value, ms };
  } finally {
    clearInterval(timer);
  }
}
