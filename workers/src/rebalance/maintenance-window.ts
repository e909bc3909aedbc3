/**
 * A daily maintenance window in UTC ('HH:MM[:SS]' start and end; the end may be before the start
 * for a window over midnight). Pure, unit-tested.
 */
function seconds(t: string): number {
  const [h, m, s] = t.split(':').map(Number);
  return h * 3600 + m * 60 + (s || 0);
}

/** Milliseconds until the window opens; 0 when `now` is inside it (or there is no window). */
export function msUntilWindow(start: string | null, end: string | null, now: Date): number {
  if (start === null || end === null) return 0;
  const s = seconds(start);
  const e = seconds(end);
  const t = now.getUTCHours() * 3600 + now.getUTCMinutes() * 60 + now.getUTCSeconds();
  const inside = s < e ? t >= s && t < e : t >= s || t < e;
  if (inside) return 0;
  const wait = (s - t + 86_400) % 86_400;
  return wait * 1000 - now.getUTCMilliseconds();
}
