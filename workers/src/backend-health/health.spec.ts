import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendHealth } from '@roost/core';
import { nextHealth } from './health';

void describe('nextHealth', () => {
  void it('marks a backend down only after the configured number of consecutive failures', () => {
    let state = { health: BackendHealth.Up, failures: 0 };
    state = nextHealth(state, false, 3);
    assert.deepEqual(state, { health: BackendHealth.Up, failures: 1 });
    state = nextHealth(state, false, 3);
    assert.deepEqual(state, { health: BackendHealth.Up, failures: 2 });
    state = nextHealth(state, false, 3);
    assert.deepEqual(state, { health: BackendHealth.Down, failures: 3 });
    state = nextHealth(state, false, 3);
    assert.deepEqual(state, { health: BackendHealth.Down, failures: 4 });
  });

  void it('marks a backend up again at the first successful check', () => {
    assert.deepEqual(nextHealth({ health: BackendHealth.Down, failures: 7 }, true, 3), {
      health: BackendHealth.Up,
      failures: 0,
    });
    assert.deepEqual(nextHealth({ health: BackendHealth.Unknown, failures: 0 }, true, 3), {
      health: BackendHealth.Up,
      failures: 0,
    });
  });

  void it('keeps an unknown backend unknown until it is down or answers', () => {
    assert.deepEqual(nextHealth({ health: BackendHealth.Unknown, failures: 0 }, false, 2), {
      health: BackendHealth.Unknown,
      failures: 1,
    });
    assert.equal(
      nextHealth({ health: BackendHealth.Unknown, failures: 1 }, false, 2).health,
      BackendHealth.Down,
    );
  });
});
