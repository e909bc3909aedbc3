import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BackendHealth, JobName, QueueName } from '@roost/core';
import { applySchedules } from '@roost/workers';
import { backendHealthRow } from '../factories/worker-fixtures';
import { WorkerEnv, eventually, startWorkerEnv } from './worker-env';

// Health checks against two real Cyrus backends: a stopped one is marked down after the
// configured number of consecutive failures and up again at its first good answer.

void describe('backend health', () => {
  let env: WorkerEnv;
  let checks = 0;
  const check = async () => {
    const done = await env.run(JobName.BackendHealthCheck, {}, `check-${++checks}`);
    assert.equal(done.state, 'completed', done.failedReason);
  };

  before(async () => {
    env = await startWorkerEnv({
      label: 'wk-health',
      workers: { settings: { healthDownAfterFailures: 3 } },
    });
  });

  after(async () => {
    await env?.teardown();
  });

  void it('marks answering backends up with their latency', async () => {
    await check();
    for (const id of [env.backend1, env.backend2]) {
      const row = await backendHealthRow(env.pool, id);
      assert.equal(row.health, BackendHealth.Up);
      assert.equal(row.healthFailures, 0);
      assert.equal(row.healthError, null);
      assert.ok(row.healthLatencyMs !== null && row.healthLatencyMs >= 0, 'latency recorded');
      assert.ok(row.healthCheckedAt, 'checked_at recorded');
    }
  });

  void it('marks a stopped backend down only after three failed checks, and up again when it answers', async () => {
    await env.b2.stop();
    try {
      await check();
      await check();
      let row = await backendHealthRow(env.pool, env.backend2);
      assert.equal(row.health, BackendHealth.Up, 'two failures are not an outage');
      assert.equal(row.healthFailures, 2);
      assert.match(row.healthError ?? '', /not reachable.*ECONNREFUSED/);
      assert.equal(row.healthLatencyMs, null);

      await check();
      row = await backendHealthRow(env.pool, env.backend2);
      assert.equal(row.health, BackendHealth.Down);
      assert.equal(row.healthFailures, 3);
      assert.equal(
        (await backendHealthRow(env.pool, env.backend1)).health,
        BackendHealth.Up,
        'the other is unaffected',
      );
    } finally {
      await env.b2.start();
    }
    await check();
    const row = await backendHealthRow(env.pool, env.backend2);
    assert.equal(row.health, BackendHealth.Up);
    assert.equal(row.healthFailures, 0);
    assert.equal(row.healthError, null);
  });

  void it('counts a refused admin login as a failure', async () => {
    process.env[`ROOST_TEST_WK_HEALTH_${process.pid}_B1_PW`] = 'not-the-password';
    try {
      await check();
      const row = await backendHealthRow(env.pool, env.backend1);
      assert.equal(row.healthFailures, 1);
      assert.match(row.healthError ?? '', /login refused/);
    } finally {
      process.env[`ROOST_TEST_WK_HEALTH_${process.pid}_B1_PW`] = env.b1.adminPassword;
    }
    await check();
    assert.equal((await backendHealthRow(env.pool, env.backend1)).healthFailures, 0);
  });

  void it('runs on its own schedule once one is set, and stops when it is removed', async () => {
    const checkedAt = async () =>
      (await backendHealthRow(env.pool, env.backend2)).healthCheckedAt!.getTime();
    const start = await checkedAt();
    await applySchedules(env.producer, { backendHealthEveryMs: 300, quotaSyncEveryMs: 0 });
    try {
      await eventually(async () => (await checkedAt()) > start, 'a scheduled check');
      const first = await checkedAt();
      await eventually(async () => (await checkedAt()) > first, 'a second scheduled check');
    } finally {
      await applySchedules(env.producer, { backendHealthEveryMs: 0, quotaSyncEveryMs: 0 });
    }
    assert.deepEqual(await env.producer.queue(QueueName.BackendHealth).getJobSchedulers(), []);
  });
});
