import type { BenchResult } from './benchmark';

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en');
  if (Number.isInteger(value)) return String(value);
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** A plain-text table: benchmark, metric, value, unit, baseline, ratio (value / baseline). */
export function formatTable(results: readonly BenchResult[]): string {
  const header = ['benchmark', 'metric', 'value', 'unit', 'baseline', 'ratio'];
  const rows = results.flatMap((r) =>
    r.metrics.map((m) => [
      r.name,
      m.label,
      formatValue(m.value),
      m.unit,
      m.baseline === undefined ? '' : formatValue(m.baseline),
      m.baseline ? `${(m.value / m.baseline).toFixed(2)}x` : '',
    ]),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const numeric = new Set([2, 4, 5]);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** `<name>-<timestamp>.json`, with a timestamp that is safe in file names and sorts by time. */
export function resultFileName(name: string, at: Date): string {
  return `${name}-${at.toISOString().replace(/[:.]/g, '-')}.json`;
}
