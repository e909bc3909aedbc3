import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_FOLDERS, JobName, MailboxState, QueueName } from '@roost/core';
import { Job } from 'bullmq';
import { insertMailbox } from '../factories/routing-fixtures';
import { insertProvisioningMailbox, mailboxRow } from '../factories/worker-fixtures';
import { CyrusInstance } from '../harness/cyrus';
import { asMailUser, loginAs, message, messageCount, quotaOfInbox } from './imap-client';
import { eventually, waitForJob } from './worker-env';
import { asBackendAdmin, workerLab } from './worker-lab';

// The mailbox queue end to end: real workers in this process, two real Cyrus backends,
// PostgreSQL and Redis. What a user sees is checked with a direct login as that user.

const MiB = 1024 * 1024;

void describe('mailbox jobs against two Cyrus backends', () => {
  const env = workerLab({ label: 'wk-mailbox' });

  /** The user's mailboxes as the backend's admin sees them. */
  const cyrusTree = (backendId: number, address: string): Promise<string[]> =>
    asBackendAdmin(env, backendId, (admin) => admin.listUserMailboxes(address));

  const setPassword = (instance: CyrusInstance, address: string) =>
    instance.setUserPassword(address, 'user-pw-1');

  void it('creates INBOX, the default folders with special-use and subscriptions, and the quota', async () => {
    const id = await insertProvisioningMailbox(env.pool, {
      domainId: env.domainId,
      localPart: 'alice',
      backendId: env.backend1,
      quotaBytes: 50 * MiB,
    });
    const done = await env.run(JobName.MailboxCreate, { mailboxId: id }, 'first');
    assert.equal(done.state, 'completed', done.failedReason);
    assert.deepEqual(done.returnvalue, {
      created: ['INBOX', ...DEFAULT_FOLDERS.map((f) => f.name)],
      quotaChanged: true,
      subscribed: ['INBOX', ...DEFAULT_FOLDERS.map((f) => f.name)],
    });
    assert.equal((await mailboxRow(env.pool, id))?.state, MailboxState.Active);

    await setPassword(env.b1, 'alice@example.com');
    await asMailUser(env.b1, 'alice@example.com', 'user-pw-1', async (client) => {
      const folders = await client.list();
      const byPath = new Map(folders.map((f) => [f.path, f]));
      assert.ok(byPath.get('INBOX')?.subscribed, 'INBOX subscribed');
      for (const { name, specialUse } of DEFAULT_FOLDERS) {
        const folder = byPath.get(name);
        assert.ok(folder, `${name} exists`);
        assert.ok(
          folder.flags.has(specialUse),
          `${name} has ${specialUse} (flags: ${[...folder.flags].join(' ')})`,
        );
        assert.equal(folder.subscribed, true, `${name} is subscribed`);
      }
      // GETQUOTAROOT as the user: the limit is the mailbox's quota
      assert.deepEqual(await quotaOfInbox(client), { usage: 0, limit: 50 * MiB, status: '0%' });
    });
    // created on backend 1 only
    assert.equal((await cyrusTree(env.backend2, 'alice@example.com')).length, 0);
  });

  void it('creates a mailbox on the second backend', async () => {
    const id = await insertProvisioningMailbox(env.pool, {
      domainId: env.domainId,
      localPart: 'bob',
      backendId: env.backend2,
      quotaBytes: 10 * MiB,
    });
    const done = await env.run(JobName.MailboxCreate, { mailboxId: id }, 'first');
    assert.equal(done.state, 'completed', done.failedReason);
    assert.equal(
      (await cyrusTree(env.backend2, 'bob@example.com')).length,
      1 + DEFAULT_FOLDERS.length,
    );
    assert.equal((await cyrusTree(env.backend1, 'bob@example.com')).length, 0);
  });

  void it('runs create twice with the same result, changing nothing the second time', async () => {
    const id = await mailboxIdOf('alice@example.com');
    // a completed create on an active mailbox is stale: nothing to do
    const again = await env.run(JobName.MailboxCreate, { mailboxId: id }, 'second');
    assert.deepEqual(again.returnvalue, { skipped: 'mailbox is active' });
    // and even when it does run, it finds everything in place and leaves it alone
    await env.pool.query(`UPDATE mailboxes SET state = 'provisioning' WHERE id = $1`, [id]);
    const rerun = await env.run(JobName.MailboxCreate, { mailboxId: id }, 'third');
    assert.deepEqual(rerun.returnvalue, { created: [], quotaChanged: false, subscribed: [] });
    assert.equal((await mailboxRow(env.pool, id))?.state, MailboxState.Active);
    assert.equal(
      (await cyrusTree(env.backend1, 'alice@example.com')).length,
      1 + DEFAULT_FOLDERS.length,
    );
  });

  void it('changes the quota, and a second run changes nothing', async () => {
    const id = await mailboxIdOf('alice@example.com');
    await env.pool.query('UPDATE mailboxes SET quota_bytes = $2 WHERE id = $1', [id, 200 * MiB]);
    const first = await env.run(JobName.MailboxSetQuota, { mailboxId: id }, 'v1');
    assert.deepEqual(first.returnvalue, { changed: true, storageKiB: 200 * 1024 });
    const second = await env.run(JobName.MailboxSetQuota, { mailboxId: id }, 'v1-again');
    assert.deepEqual(second.returnvalue, { changed: false, storageKiB: 200 * 1024 });
    await asMailUser(env.b1, 'alice@example.com', 'user-pw-1', async (client) => {
      assert.equal((await quotaOfInbox(client))?.limit, 200 * MiB);
    });
  });

  void it('fails at once with the reason on the mailbox for a quota Cyrus cannot store, and recovers', async () => {
    const id = await insertProvisioningMailbox(env.pool, {
      domainId: env.domainId,
      localPart: 'carol',
      backendId: env.backend1,
      quotaBytes: 3 * 1024 * 1024 * MiB, // 3 TiB: above Cyrus' 2^31-1 KiB
    });
    const failed = await env.run(JobName.MailboxCreate, { mailboxId: id }, 'first');
    assert.equal(failed.state, 'failed');
    assert.equal(failed.attemptsMade, 1, 'a permanent failure is not retried');
    const row = await mailboxRow(env.pool, id);
    assert.equal(row?.state, MailboxState.Error);
    assert.match(row?.stateReason ?? '', /quota refused/);
    assert.equal((await cyrusTree(env.backend1, 'carol@example.com')).length, 0);

    // an admin lowers the quota: the quota job provisions the mailbox from its row
    await env.pool.query('UPDATE mailboxes SET quota_bytes = $2 WHERE id = $1', [id, 5 * MiB]);
    const recovered = await env.run(JobName.MailboxSetQuota, { mailboxId: id }, 'v2');
    assert.equal(recovered.state, 'completed', recovered.failedReason);
    assert.equal((await mailboxRow(env.pool, id))?.state, MailboxState.Active);
    assert.equal((await mailboxRow(env.pool, id))?.stateReason, null);
    assert.equal(
      (await cyrusTree(env.backend1, 'carol@example.com')).length,
      1 + DEFAULT_FOLDERS.length,
    );
  });

  void it('fails at once for an address Cyrus would misread', async () => {
    const id = await insertMailbox(env.pool, {
      domainId: env.domainId,
      localPart: 'dan/evil',
      backendId: env.backend1,
      state: MailboxState.Provisioning,
      quotaBytes: MiB,
    });
    const failed = await env.run(JobName.MailboxCreate, { mailboxId: id }, 'first');
    assert.equal(failed.state, 'failed');
    assert.equal(failed.attemptsMade, 1);
    const row = await mailboxRow(env.pool, id);
    assert.equal(row?.state, MailboxState.Error);
    assert.match(row?.stateReason ?? '', /invalid address "dan\/evil@example.com"/);
  });

  void it('renames the user on the backend and keeps the mail', async () => {
    const id = await mailboxIdOf('alice@example.com');
    await asMailUser(env.b1, 'alice@example.com', 'user-pw-1', async (client) => {
      await client.append('INBOX', message('kept across rename'));
      await client.append('Archive', message('archived'));
    });
    await env.pool.query(
      `UPDATE mailboxes SET local_part = 'alicia', address = 'alicia@example.com' WHERE id = $1`,
      [id],
    );
    const done = await env.run(
      JobName.MailboxRename,
      { mailboxId: id, fromAddress: 'alice@example.com' },
      'r1',
    );
    assert.deepEqual(done.returnvalue, { outcome: 'renamed' });
    const again = await env.run(
      JobName.MailboxRename,
      { mailboxId: id, fromAddress: 'alice@example.com' },
      'r1-again',
    );
    assert.deepEqual(again.returnvalue, { outcome: 'already renamed' });

    assert.deepEqual(await cyrusTree(env.backend1, 'alice@example.com'), []);
    await setPassword(env.b1, 'alicia@example.com');
    await asMailUser(env.b1, 'alicia@example.com', 'user-pw-1', async (client) => {
      assert.equal(await messageCount(client, 'INBOX'), 1);
      assert.equal(await messageCount(client, 'Archive'), 1);
      const sent = (await client.list()).find((f) => f.path === 'Sent');
      assert.ok(sent?.flags.has('\\Sent'), 'special-use kept');
      assert.equal((await quotaOfInbox(client))?.limit, 200 * MiB, 'quota kept');
    });
  });

  void it('suspends: the user can no longer log in to the backend, open sessions end; activate undoes it', async () => {
    const id = await mailboxIdOf('alicia@example.com');
    const open = await loginAs(env.b1, 'alicia@example.com', 'user-pw-1');
    try {
      for (const run of ['s1', 's1-again']) {
        const done = await env.run(JobName.MailboxSuspend, { mailboxId: id }, run);
        assert.deepEqual(done.returnvalue, { denied: true }, run);
        assert.equal((await mailboxRow(env.pool, id))?.state, MailboxState.Suspended);
        await assert.rejects(
          loginAs(env.b1, 'alicia@example.com', 'user-pw-1'),
          /Command failed|authentication/i,
          run,
        );
      }
      await assert.rejects(
        open.status('INBOX', { messages: true }),
        'the open session ended at its next command',
      );
    } finally {
      open.close();
    }
    const calls = await env.pool.query<{
      backend_id: number;
      relay_id: number | null;
      action: string;
      exit_code: number;
    }>('SELECT backend_id, relay_id, action, exit_code FROM relay_calls ORDER BY id');
    assert.deepEqual(
      calls.rows.map((r) => [r.backend_id, r.relay_id, r.action, r.exit_code]),
      [
        [env.backend1, null, 'deny', 0],
        [env.backend1, null, 'deny', 0],
      ],
    );

    for (const run of ['a1', 'a1-again']) {
      const done = await env.run(JobName.MailboxActivate, { mailboxId: id }, run);
      assert.deepEqual(done.returnvalue, { allowed: true }, run);
      assert.equal((await mailboxRow(env.pool, id))?.state, MailboxState.Active);
      await asMailUser(env.b1, 'alicia@example.com', 'user-pw-1', async (client) => {
        assert.equal(await messageCount(client, 'INBOX'), 1);
      });
    }
  });

  void it('keeps a suspended user locked out across a rename', async () => {
    const id = await mailboxIdOf('alicia@example.com');
    const suspended = await env.run(JobName.MailboxSuspend, { mailboxId: id }, 's2');
    assert.deepEqual(suspended.returnvalue, { denied: true });
    await env.pool.query(
      `UPDATE mailboxes SET local_part = 'alice3', address = 'alice3@example.com' WHERE id = $1`,
      [id],
    );
    const renamed = await env.run(
      JobName.MailboxRename,
      { mailboxId: id, fromAddress: 'alicia@example.com' },
      'r2',
    );
    assert.deepEqual(renamed.returnvalue, { outcome: 'renamed' });
    await setPassword(env.b1, 'alice3@example.com');
    await assert.rejects(
      loginAs(env.b1, 'alice3@example.com', 'user-pw-1'),
      'denied under the new name',
    );

    const activated = await env.run(JobName.MailboxActivate, { mailboxId: id }, 'a2');
    assert.deepEqual(activated.returnvalue, { allowed: true });
    await asMailUser(env.b1, 'alice3@example.com', 'user-pw-1', async (client) => {
      assert.equal(await messageCount(client, 'INBOX'), 1);
    });
  });

  void it('retries while a backend is down and succeeds once it is back', async () => {
    const id = await insertProvisioningMailbox(env.pool, {
      domainId: env.domainId,
      localPart: 'erin',
      backendId: env.backend2,
      quotaBytes: 20 * MiB,
    });
    await env.b2.stop();
    const job = await env.producer.add(
      JobName.MailboxCreate,
      { mailboxId: id },
      { version: 'down' },
    );
    try {
      await eventually(
        async () =>
          ((await Job.fromId(env.producer.queue(QueueName.Mailbox), job.id!))?.attemptsMade ?? 0) >=
          2,
        'two failed attempts',
      );
      const row = await mailboxRow(env.pool, id);
      assert.equal(row?.state, MailboxState.Provisioning, 'still waiting, not failed');
    } finally {
      await env.b2.start();
    }
    const done = await waitForJob(env.producer, QueueName.Mailbox, job.id!);
    assert.equal(done.state, 'completed', done.failedReason);
    assert.ok(done.attemptsMade >= 2, `attempts: ${done.attemptsMade}`);
    assert.equal((await mailboxRow(env.pool, id))?.state, MailboxState.Active);
    assert.equal(
      (await cyrusTree(env.backend2, 'erin@example.com')).length,
      1 + DEFAULT_FOLDERS.length,
    );
  });

  void it('deletes the user tree and the row after the retention period, twice without harm', async () => {
    const id = await mailboxIdOf('bob@example.com');
    await env.pool.query(
      `UPDATE mailboxes SET state = 'deleting', delete_after = now() + interval '1 second' WHERE id = $1`,
      [id],
    );
    // enqueued too early (say the retention was extended): the job waits for delete_after
    const started = Date.now();
    const done = await env.run(JobName.MailboxDelete, { mailboxId: id }, 'd1');
    assert.equal(done.state, 'completed', done.failedReason);
    assert.ok(Date.now() - started >= 900, 'waited for delete_after');
    assert.deepEqual(done.returnvalue, { deleted: true });
    assert.equal(await mailboxRow(env.pool, id), null);
    assert.deepEqual(await cyrusTree(env.backend2, 'bob@example.com'), []);

    const again = await env.run(JobName.MailboxDelete, { mailboxId: id }, 'd1-again');
    assert.deepEqual(again.returnvalue, { skipped: 'mailbox no longer exists' });
  });

  void it('leaves a restored mailbox alone when its delayed delete comes due', async () => {
    const id = await mailboxIdOf('erin@example.com');
    await env.pool.query(
      `UPDATE mailboxes SET state = 'active', delete_after = NULL WHERE id = $1`,
      [id],
    );
    const done = await env.run(JobName.MailboxDelete, { mailboxId: id }, 'd2');
    assert.deepEqual(done.returnvalue, { skipped: 'mailbox is active' });
    assert.equal(
      (await cyrusTree(env.backend2, 'erin@example.com')).length,
      1 + DEFAULT_FOLDERS.length,
    );
  });

  async function mailboxIdOf(address: string): Promise<number> {
    const { rows } = await env.pool.query<{ id: string }>(
      'SELECT id FROM mailboxes WHERE address = $1',
      [address],
    );
    assert.equal(rows.length, 1, `mailbox ${address}`);
    return Number(rows[0].id);
  }
});
