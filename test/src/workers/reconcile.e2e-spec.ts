import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobName, MailboxState, QueueName, jobIdFor } from '@roost/core';
import { JobProducer, applySchedules, createRedisConnection } from '@roost/workers';
import { insertProvisioningMailbox, mailboxRow } from '../factories/worker-fixtures';
import { eventually, waitForJob } from './worker-env';
import { cyrusMailboxExists, cyrusQuotaKiB, workerLab } from './worker-lab';

// The reconciler (the outbox's other half): the API committed a change and Redis refused the
// enqueue, so the mailbox is pending with no job. Real workers, two real Cyrus backends,
// PostgreSQL and Redis; the "lost enqueue" is a row changed the way the API changes it, with no
// job added.

const MiB = 1024 * 1024;
const GRACE_MS = 60_000;

interface ReconcileResult {
  pending: number;
  enqueued: string[];
}

void describe('mailbox reconciler', () => {
  const env = workerLab({
    label: 'wk-reconcile',
    workers: { settings: { reconcileGraceMs: GRACE_MS } },
  });
  let runs = 0;

  const reconcile = async (): Promise<ReconcileResult> => {
    const done = await env.run(JobName.MailboxReconcile, {}, `run${++runs}`);
    assert.equal(done.state, 'completed', done.failedReason);
    return done.returnvalue as ReconcileResult;
  };

  /** As if the change was made longer ago than the grace period. */
  const age = (id: number) =>
    env.pool.query(
      `UPDATE mailboxes SET updated_at = updated_at - interval '5 minutes' WHERE id = $1`,
      [id],
    );

  const version = async (id: number): Promise<string> =>
    (
      await env.pool.query<{ v: string }>(
        `SELECT (extract(epoch FROM updated_at) * 1000000)::bigint::text AS v FROM mailboxes WHERE id = $1`,
        [id],
      )
    ).rows[0].v;

  const applied = async (id: number) =>
    (
      await env.pool.query<{
        cyrus_address: string | null;
        quota_applied_bytes: number | null;
        backend_denied: boolean | null;
      }>(`SELECT cyrus_address, quota_applied_bytes, backend_denied FROM mailboxes WHERE id = $1`, [
        id,
      ])
    ).rows[0];

  const quotaKiB = (address: string) => cyrusQuotaKiB(env, env.backend1, address);
  const exists = (address: string) => cyrusMailboxExists(env, env.backend1, address);

  const finish = async (jobId: string) => {
    const done = await waitForJob(env.producer, QueueName.Mailbox, jobId);
    assert.equal(done.state, 'completed', done.failedReason);
    return done;
  };

  const provisioning = (localPart: string, quotaBytes = 10 * MiB) =>
    insertProvisioningMailbox(env.pool, {
      domainId: env.domainId,
      localPart,
      backendId: env.backend1,
      quotaBytes,
    });

  void it('creates a mailbox left provisioning past the grace period, under the API job id', async () => {
    const fresh = await provisioning('fresh');
    const lost = await provisioning('lost');
    await age(lost);

    const result = await reconcile();
    await env.pool.query(`DELETE FROM mailboxes WHERE id = $1`, [fresh]);
    const id = jobIdFor(JobName.MailboxCreate, { mailboxId: lost });
    assert.deepEqual(result, { pending: 1, enqueued: [id] }, 'only the one past the grace period');
    await finish(id);
    assert.equal((await mailboxRow(env.pool, lost))?.state, MailboxState.Active);
    assert.equal(await exists('lost@example.com'), true);
    assert.deepEqual(await applied(lost), {
      cyrus_address: 'lost@example.com',
      quota_applied_bytes: 10 * MiB,
      backend_denied: false,
    });
    // done: nothing pending any more
    assert.deepEqual(await reconcile(), { pending: 0, enqueued: [] });
  });

  void it('leaves a mailbox alone whose job is waiting, and never adds a job twice', async () => {
    const id = await provisioning('queued');
    await age(id);
    // the API's delayed delete is in the queue (added with its own version)
    await env.pool.query(
      `UPDATE mailboxes SET state = 'deleting', delete_after = now() + interval '1 hour' WHERE id = $1`,
      [id],
    );
    await age(id);
    const apiJob = await env.producer.add(
      JobName.MailboxDelete,
      { mailboxId: id },
      { version: 'api', delayMs: 3_600_000 },
    );
    assert.deepEqual(await reconcile(), { pending: 1, enqueued: [] });

    // the job is lost (removed): the reconciler adds it, with the same id each time
    await apiJob.remove();
    const first = await reconcile();
    const expected = jobIdFor(JobName.MailboxDelete, { mailboxId: id }, await version(id));
    assert.deepEqual(first, { pending: 1, enqueued: [expected] });
    assert.deepEqual(await reconcile(), { pending: 1, enqueued: [] }, 'not twice');
    const queue = env.producer.queue(QueueName.Mailbox);
    const deletes = (await queue.getJobs(['delayed', 'waiting', 'active'])).filter(
      (j) =>
        j.name === String(JobName.MailboxDelete) &&
        (j.data as { mailboxId: number }).mailboxId === id,
    );
    assert.deepEqual(
      deletes.map((j) => j.id),
      [expected],
    );
    assert.equal(await queue.getJobState(expected), 'delayed', 'due at delete_after');
    await queue.remove(expected);
    await env.pool.query(`DELETE FROM mailboxes WHERE id = $1`, [id]);
  });

  void it('applies a quota change, a rename, a suspension and an activation whose jobs were lost', async () => {
    const id = await provisioning('carol');
    await finish((await env.producer.add(JobName.MailboxCreate, { mailboxId: id })).id!);

    // quota
    await env.pool.query(
      `UPDATE mailboxes SET quota_bytes = $2, updated_at = now() WHERE id = $1`,
      [id, 30 * MiB],
    );
    assert.deepEqual(await reconcile(), { pending: 0, enqueued: [] }, 'within the grace period');
    await age(id);
    let result = await reconcile();
    assert.deepEqual(result.enqueued, [
      jobIdFor(JobName.MailboxSetQuota, { mailboxId: id }, await version(id)),
    ]);
    await finish(result.enqueued[0]);
    assert.equal(await quotaKiB('carol@example.com'), 30 * 1024);
    assert.equal((await applied(id)).quota_applied_bytes, 30 * MiB);

    // rename
    await env.pool.query(
      `UPDATE mailboxes SET local_part = 'caroline', address = 'caroline@example.com' WHERE id = $1`,
      [id],
    );
    await age(id);
    result = await reconcile();
    assert.deepEqual(result.enqueued, [
      jobIdFor(
        JobName.MailboxRename,
        { mailboxId: id, fromAddress: 'carol@example.com' },
        await version(id),
      ),
    ]);
    await finish(result.enqueued[0]);
    assert.equal(await exists('caroline@example.com'), true);
    assert.equal(await exists('carol@example.com'), false);
    assert.equal((await applied(id)).cyrus_address, 'caroline@example.com');

    // suspension
    await env.pool.query(`UPDATE mailboxes SET state = 'suspended' WHERE id = $1`, [id]);
    await age(id);
    result = await reconcile();
    assert.equal(result.enqueued.length, 1);
    assert.match(result.enqueued[0], /^mailbox-suspend-/);
    await finish(result.enqueued[0]);
    assert.equal((await applied(id)).backend_denied, true);
    const { rows } = await env.pool.query<{ action: string }>(
      `SELECT action FROM relay_calls WHERE backend_id = $1 AND reason = $2`,
      [env.backend1, `suspend mailbox ${id}`],
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['deny'],
    );

    // activation
    await env.pool.query(`UPDATE mailboxes SET state = 'active' WHERE id = $1`, [id]);
    await age(id);
    result = await reconcile();
    assert.equal(result.enqueued.length, 1);
    assert.match(result.enqueued[0], /^mailbox-activate-/);
    await finish(result.enqueued[0]);
    assert.equal((await applied(id)).backend_denied, false);
    assert.deepEqual(await reconcile(), { pending: 0, enqueued: [] });
  });

  void it('runs as one job scheduler however many worker processes apply the schedules', async () => {
    const connections = [
      createRedisConnection(env.redis.url),
      createRedisConnection(env.redis.url),
    ];
    const producers = connections.map((c) => new JobProducer(c, env.prefix));
    try {
      const schedules = { quotaSyncEveryMs: 0, backendHealthEveryMs: 0, reconcileEveryMs: 300 };
      await Promise.all(producers.map((p) => applySchedules(p, schedules)));
      await applySchedules(producers[0], schedules); // a restart
      const schedulers = await env.producer.queue(QueueName.Mailbox).getJobSchedulers();
      assert.deepEqual(
        schedulers.map((s) => s.key),
        [JobName.MailboxReconcile],
      );

      // and it does its work on its own
      const id = await provisioning('dave');
      await age(id);
      await eventually(
        async () => (await mailboxRow(env.pool, id))?.state === MailboxState.Active,
        'the scheduled reconciler to create the mailbox',
      );
      assert.equal(await exists('dave@example.com'), true);

      await applySchedules(producers[0], { ...schedules, reconcileEveryMs: 0 });
      assert.equal(await env.producer.queue(QueueName.Mailbox).getJobSchedulersCount(), 0);
    } finally {
      for (const p of producers) await p.close();
      for (const c of connections) await c.quit();
    }
  });
});
