const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${n < 0 ? '-' : ''}${v.toFixed(digits)} ${UNITS[i]}`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en');
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function percent(used: number, total: number | null | undefined): number | null {
  if (!total || total <= 0) return null;
  return (used / total) * 100;
}

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

/** Quota inputs show MiB; the API speaks bytes. */
export const bytesToMiB = (v: unknown) =>
  typeof v === 'number' ? Math.round((v / MIB) * 100) / 100 : v;
export const miBToBytes = (v: unknown) =>
  v === null || v === undefined || v === '' ? null : Math.round(Number(v) * MIB);
