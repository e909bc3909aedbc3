import { BackendHealth } from '@roost/core';

export interface HealthState {
  health: BackendHealth;
  failures: number;
}

/**
 * The next health of a backend after one check: `up` as soon as a check succeeds, `down` after
 * `downAfter` consecutive failures, unchanged in between (one lost packet is not an outage).
 */
export function nextHealth(current: HealthState, ok: boolean, downAfter: number): HealthState {
  if (ok) return { health: BackendHealth.Up, failures: 0 };
  const failures = current.failures + 1;
  return { health: failures >= downAfter ? BackendHealth.Down : current.health, failures };
}
