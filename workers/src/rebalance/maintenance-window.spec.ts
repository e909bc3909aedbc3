import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { msUntilWindow } from './maintenance-window';

const at = (hhmm: string) => new Date(`2026-01-01T${hhmm}:00.000Z`);

describe('maintenance window', () => {
  it('is always open without a window', () => {
    assert.equal(msUntilWindow(null, null, at('12:00')), 0);
  });

  it('tells how long until a same-day window opens', () => {
    assert.equal(msUntilWindow('01:00:00', '05:00:00', at('03:00')), 0);
    assert.equal(msUntilWindow('01:00:00', '05:00:00', at('00:30')), 30 * 60_000);
    assert.equal(msUntilWindow('01:00:00', '05:00:00', at('05:00')), 20 * 3600_000);
  });

  it('handles a window over midnight', () => {
    assert.equal(msUntilWindow('22:00:00', '02:00:00', at('23:30')), 0);
    assert.equal(msUntilWindow('22:00:00', '02:00:00', at('01:59')), 0);
    assert.equal(msUntilWindow('22:00:00', '02:00:00', at('12:00')), 10 * 3600_000);
  });
});
