export interface BenchArgs {
  /** Benchmarks to run, in order; empty means all. */
  names: string[];
  /** Keep the databases the benchmarks created (and print their URLs). */
  keep: boolean;
  list: boolean;
  help: boolean;
  /** Every other `--key=value` (`--key` alone is 'true'), for the benchmarks to read. */
  options: Map<string, string>;
}

/** Parses `npm run bench -- [name...] [--keep] [--list] [--key=value ...]`. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { names: [], keep: false, list: false, help: false, options: new Map() };
  for (const arg of argv) {
    if (!arg.startsWith('--')) {
      args.names.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const value = eq === -1 ? 'true' : arg.slice(eq + 1);
    if (key === 'keep') args.keep = true;
    else if (key === 'list') args.list = true;
    else if (key === 'help') args.help = true;
    else args.options.set(key, value);
  }
  return args;
}
