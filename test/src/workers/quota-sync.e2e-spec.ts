import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobName, QueueName } from '@roost/core';
import { insertProvisioningMailbox, mailboxRow } from '../factories/worker-fixtures';
import { asMailUser, message } from './imap-client';
import { WorkerEnv, startWorkerEnv, waitForJob } from './worker-env';

// quota-sync end to end: usage appended by real users shows up in used_bytes, every backend
// gets its own job, and a dead backend does not hold up the others.

const MiB = 1024 * 1024;

void describe('quota-sync against two Cyrus backends', () => {
  let env: WorkerEnv;
  const ids: Record<string, number> = {};

  before(async () => {
    env = await startWorkerEnv({
      label: 'wk-quota',
      workers: { settings: { quotaSyncBatchSize: 2, quotaSyncConnections: 2 } },
    });
    // five mailboxes on b1 (three pages of two), one on b2
    const mailboxes: [string, number][] = [
      ['ann', env.backend1],
      ['ben', env.backend1],
      ['cat', env.backend1],
      ['dov', env.backend1],
      ['eve', env.backend1],
      ['fay', env.backend2],
    ];
    for (const [localPart, backendId] of mailboxes) {
      ids[localPart] = await insertProvisioningMailbox(env.pool, {
        domainId: env.domainId,
        localPart,
        backendId,
        quotaBytes: 100 * MiB,
      });
      const done = await env.run(JobName.MailboxCreate, { mailboxId: ids[localPart] }, 'create');
      assert.equal(done.state, 'completed', done.failedReason);
    }
  });

  after(async () => {
    await env?.teardown();
  });

  /** Runs quota-sync-all and waits for the per-backend jobs it fanned out. */
  async function syncAll(run: string) {
    const all = await env.run(JobName.QuotaSyncAll, {}, run);
    assert.equal(all.state, 'completed', all.failedReason);
    const queue = env.producer.queue(QueueName.QuotaSync);
    const children = (
      await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'])
    ).filter((j) => j.name === String(JobName.QuotaSyncBackend) && j.id?.includes(run));
    return Promise.all(
      children.map(async (j) => ({
        data: j.data,
        ...(await waitForJob(env.producer, QueueName.QuotaSync, j.id!)),
      })),
    );
  }

  void it('writes the usage users appended into used_bytes, backend by backend', async () => {
    const pw = 'quota-pw';
    await env.b1.setUserPassword('ann@example.com', pw);
    await env.b1.setUserPassword('cat@example.com', pw);
    await env.b2.setUserPassword('fay@example.com', pw);
    await asMailUser(env.b1, 'ann@example.com', pw, async (c) => {
      for (let i = 0; i < 3; i++) await c.append('INBOX', message(`ann ${i}`, 100 * 1024));
    });
    await asMailUser(env.b1, 'cat@example.com', pw, async (c) => {
      await c.append('Sent', message('cat sent', 40 * 1024)); // a subfolder counts towards the root
    });
    await asMailUser(env.b2, 'fay@example.com', pw, async (c) => {
      await c.append('INBOX', message('fay', 60 * 1024));
    });

    const before = Date.now();
    const jobs = await syncAll('first');
    assert.deepEqual(jobs.map((j) => j.data.backendId).sort(), [env.backend1, env.backend2].sort());
    for (const job of jobs) assert.equal(job.state, 'completed', job.failedReason);
    const b1 = jobs.find((j) => j.data.backendId === env.backend1)!;
    assert.deepEqual(b1.returnvalue, { backend: env.b1.name, synced: 5, unknown: 0 });

    const ann = await mailboxRow(env.pool, ids.ann);
    const cat = await mailboxRow(env.pool, ids.cat);
    const fay = await mailboxRow(env.pool, ids.fay);
    const ben = await mailboxRow(env.pool, ids.ben);
    // Cyrus counts whole KiB
    assert.ok(ann!.usedBytes >= 300 * 1024 && ann!.usedBytes < 310 * 1024, `ann ${ann!.usedBytes}`);
    assert.ok(cat!.usedBytes >= 40 * 1024 && cat!.usedBytes < 45 * 1024, `cat ${cat!.usedBytes}`);
    assert.ok(fay!.usedBytes >= 60 * 1024 && fay!.usedBytes < 65 * 1024, `fay ${fay!.usedBytes}`);
    assert.equal(ben!.usedBytes, 0);
    for (const row of [ann, cat, fay, ben]) {
      assert.ok(
        row!.usedSyncedAt && row!.usedSyncedAt.getTime() >= before - 1000,
        'used_synced_at set',
      );
    }
  });

  void it('gives the same numbers when run again', async () => {
    const first = await mailboxRow(env.pool, ids.ann);
    const jobs = await syncAll('second');
    for (const job of jobs) assert.equal(job.state, 'completed', job.failedReason);
    const second = await mailboxRow(env.pool, ids.ann);
    assert.equal(second!.usedBytes, first!.usedBytes);
    assert.ok(second!.usedSyncedAt!.getTime() >= first!.usedSyncedAt!.getTime());
  });

  void it('keeps syncing the other backend while one is down', async () => {
    await asMailUser(env.b2, 'fay@example.com', 'quota-pw', async (c) => {
      await c.append('INBOX', message('fay 2', 30 * 1024));
    });
    const annBefore = await mailboxRow(env.pool, ids.ann);
    await env.b1.stop();
    try {
      const jobs = await syncAll('third');
      const b1 = jobs.find((j) => j.data.backendId === env.backend1)!;
      const b2 = jobs.find((j) => j.data.backendId === env.backend2)!;
      assert.equal(b1.state, 'failed');
      assert.match(b1.failedReason ?? '', /not reachable/);
      assert.equal(b2.state, 'completed', b2.failedReason);
      const fay = await mailboxRow(env.pool, ids.fay);
      assert.ok(fay!.usedBytes >= 90 * 1024, `fay ${fay!.usedBytes}`);
      assert.deepEqual(
        (await mailboxRow(env.pool, ids.ann))!.usedBytes,
        annBefore!.usedBytes,
        'kept, not zeroed',
      );
    } finally {
      await env.b1.start();
    }
  });
});
