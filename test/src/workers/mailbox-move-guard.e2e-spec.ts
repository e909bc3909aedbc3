import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { JobName, MoveState, QueueName, cyrusMailboxName } from '@roost/core';
import { insertProvisioningMailbox } from '../factories/worker-fixtures';
import { asMailUser, message, messageCount } from './imap-client';
import { eventually, waitForJob } from './worker-env';
import { asBackendAdmin, cyrusMailboxExists, cyrusQuotaKiB, workerLab } from './worker-lab';

// Mailbox jobs that race a move: real workers (mailbox and move queues) in this process, two
// real Cyrus backends, PostgreSQL and Redis. A job that finds a move under way must not touch
// either backend; it waits and then acts on the backend the mailbox is routed to after the move.
// The first tests set the move's states by hand (so each moment of the race is hit exactly);
// the last ones run real moves.

const MiB = 1024 * 1024;

void describe('mailbox jobs during a move', () => {
  before(() => {
    // the move queue's settings (read from the environment when its first job runs)
    Object.assign(process.env, {
      ROOST_MOVE_SETTLE_MS: '200',
      ROOST_MOVE_RETRY_DELAY_MS: '300',
      ROOST_MOVE_MAX_ATTEMPTS: '5',
      ROOST_MOVE_RETENTION_MS: '600000',
    });
  });
  const env = workerLab({
    label: 'wk-moveguard',
    workers: { settings: { mailboxMoveWaitMs: 200 } },
  });

  const quotaKiB = (backendId: number, address: string) => cyrusQuotaKiB(env, backendId, address);
  const exists = (backendId: number, address: string) =>
    cyrusMailboxExists(env, backendId, address);

  /** A mailbox created on backend 1 by its real create job. */
  const created = async (localPart: string, quotaBytes = 10 * MiB) => {
    const id = await insertProvisioningMailbox(env.pool, {
      domainId: env.domainId,
      localPart,
      backendId: env.backend1,
      quotaBytes,
    });
    const done = await env.run(JobName.MailboxCreate, { mailboxId: id }, 'create');
    assert.equal(done.state, 'completed', done.failedReason);
    return { id, address: `${localPart}@example.com` };
  };

  /** What a move leaves behind while it copies: the user on the target, the rows in `state`. */
  const moveUnderWay = async (
    mailboxId: number,
    address: string,
    moveState: MoveState,
    mailboxState: 'moving' | 'frozen' | 'active' | 'deleting',
  ): Promise<number> => {
    await asBackendAdmin(env, env.backend2, async (a) => {
      await a.ensureMailbox(cyrusMailboxName(address));
      await a.setQuota(cyrusMailboxName(address), 10 * 1024);
    });
    const { rows } = await env.pool.query<{ id: string }>(
      `INSERT INTO moves (mailbox_id, source_backend_id, target_backend_id, state, started_at)
       VALUES ($1, $2, $3, $4, now()) RETURNING id`,
      [mailboxId, env.backend1, env.backend2, moveState],
    );
    await env.pool.query(`UPDATE mailboxes SET state = $2 WHERE id = $1`, [
      mailboxId,
      mailboxState,
    ]);
    return Number(rows[0].id);
  };

  /** The flip as the move makes it, then its sweep. */
  const flip = async (mailboxId: number, moveId: number) => {
    await env.pool.query(`UPDATE mailboxes SET backend_id = $2, state = 'active' WHERE id = $1`, [
      mailboxId,
      env.backend2,
    ]);
    await env.pool.query(
      `UPDATE moves SET state = 'flipped', flipped_at = now(), frozen_at = NULL WHERE id = $1`,
      [moveId],
    );
  };

  const retain = (moveId: number, retainUntil: Date) =>
    env.pool.query(`UPDATE moves SET state = 'retained', retain_until = $2 WHERE id = $1`, [
      moveId,
      retainUntil,
    ]);

  const jobState = (jobId: string) => env.producer.queue(QueueName.Mailbox).getJobState(jobId);

  /** The job has looked at least once and is waiting (delayed) for the move. */
  const waiting = async (jobId: string) => {
    await eventually(async () => {
      const job = await env.producer.queue(QueueName.Mailbox).getJob(jobId);
      return (
        (await jobState(jobId)) === 'delayed' &&
        typeof (job?.progress as { waitingFor?: string } | undefined)?.waitingFor === 'string'
      );
    }, `job ${jobId} to wait for the move`);
    await sleep(600); // a few more looks: still waiting, nothing touched
    assert.notEqual(await jobState(jobId), 'completed');
    assert.notEqual(await jobState(jobId), 'failed');
  };

  void it('a quota change waits while the mailbox is moving and is set on the target after the flip', async () => {
    const m = await created('quota1');
    const moveId = await moveUnderWay(m.id, m.address, MoveState.Copying, 'moving');
    await env.pool.query(`UPDATE mailboxes SET quota_bytes = $2 WHERE id = $1`, [m.id, 40 * MiB]);
    const job = await env.producer.add(
      JobName.MailboxSetQuota,
      { mailboxId: m.id },
      { version: 1 },
    );

    await waiting(job.id!);
    assert.equal(await quotaKiB(env.backend1, m.address), 10 * 1024, 'source untouched');
    assert.equal(await quotaKiB(env.backend2, m.address), 10 * 1024, 'target untouched');

    await flip(m.id, moveId);
    await waiting(job.id!); // the sweep still runs
    await retain(moveId, new Date(Date.now() + 3_600_000));

    const done = await waitForJob(env.producer, QueueName.Mailbox, job.id!);
    assert.equal(done.state, 'completed', done.failedReason);
    assert.deepEqual(done.returnvalue, { changed: true, storageKiB: 40 * 1024 });
    assert.equal(await quotaKiB(env.backend2, m.address), 40 * 1024, 'set on the target');
    assert.equal(await quotaKiB(env.backend1, m.address), 10 * 1024, 'retained copy untouched');
    const { rows } = await env.pool.query<{ quota_applied_bytes: number }>(
      `SELECT quota_applied_bytes::float8 AS quota_applied_bytes FROM mailboxes WHERE id = $1`,
      [m.id],
    );
    assert.equal(rows[0].quota_applied_bytes, 40 * MiB);
  });

  void it('a rename waits while frozen, then renames on the target and the retained copy on the source', async () => {
    const m = await created('rename1');
    const moveId = await moveUnderWay(m.id, m.address, MoveState.Frozen, 'frozen');
    await env.pool.query(
      `UPDATE mailboxes SET local_part = 'renamed1', address = 'renamed1@example.com' WHERE id = $1`,
      [m.id],
    );
    const job = await env.producer.add(
      JobName.MailboxRename,
      { mailboxId: m.id, fromAddress: m.address },
      { version: 1 },
    );

    await waiting(job.id!);
    assert.equal(await exists(env.backend1, m.address), true, 'source not renamed while frozen');
    assert.equal(await exists(env.backend2, m.address), true, 'target not renamed while frozen');

    await flip(m.id, moveId);
    await retain(moveId, new Date(Date.now() + 3_600_000));
    const done = await waitForJob(env.producer, QueueName.Mailbox, job.id!);
    assert.equal(done.state, 'completed', done.failedReason);
    assert.deepEqual(done.returnvalue, { outcome: 'renamed', retained: 'renamed' });
    for (const backend of [env.backend2, env.backend1]) {
      assert.equal(await exists(backend, 'renamed1@example.com'), true);
      assert.equal(await exists(backend, m.address), false);
    }
    // the retained copy stays locked for its owner, under the new name
    const { rows: calls } = await env.pool.query<{ action: string; reason: string }>(
      `SELECT action, reason FROM relay_calls WHERE backend_id = $1 AND reason LIKE 'rename of %'
        ORDER BY id`,
      [env.backend1],
    );
    assert.deepEqual(
      calls.map((c) => c.action),
      ['deny', 'allow'],
    );
    const { rows } = await env.pool.query<{ cyrus_address: string }>(
      `SELECT cyrus_address FROM mailboxes WHERE id = $1`,
      [m.id],
    );
    assert.equal(rows[0].cyrus_address, 'renamed1@example.com');
  });

  void it('a suspend that arrives while moving denies the user on the target once the move is over', async () => {
    const m = await created('susp1');
    const moveId = await moveUnderWay(m.id, m.address, MoveState.Syncing, 'moving');
    const job = await env.producer.add(JobName.MailboxSuspend, { mailboxId: m.id }, { version: 1 });
    await waiting(job.id!);
    const denials = async (backendId: number) =>
      Number(
        (
          await env.pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM relay_calls WHERE backend_id = $1 AND action = 'deny'
              AND reason = $2`,
            [backendId, `suspend mailbox ${m.id}`],
          )
        ).rows[0].n,
      );
    assert.equal(await denials(env.backend1), 0, 'no deny on the source while moving');

    await flip(m.id, moveId);
    await retain(moveId, new Date(Date.now() + 3_600_000));
    const done = await waitForJob(env.producer, QueueName.Mailbox, job.id!);
    assert.equal(done.state, 'completed', done.failedReason);
    assert.deepEqual(done.returnvalue, { denied: true });
    assert.equal(await denials(env.backend2), 1, 'denied on the target');
    assert.equal(await denials(env.backend1), 0);
  });

  void it('a delete asks a move that has not flipped to cancel and waits for it to end', async () => {
    const m = await created('del1');
    const moveId = await moveUnderWay(m.id, m.address, MoveState.Copying, 'deleting');
    await env.pool.query(`UPDATE mailboxes SET delete_after = now() WHERE id = $1`, [m.id]);
    const job = await env.producer.add(JobName.MailboxDelete, { mailboxId: m.id }, { version: 1 });
    await waiting(job.id!);
    const move = async () =>
      (
        await env.pool.query<{ cancel_requested: boolean }>(
          `SELECT cancel_requested FROM moves WHERE id = $1`,
          [moveId],
        )
      ).rows[0];
    assert.equal((await move())?.cancel_requested, true, 'cancel asked for');
    assert.equal(await exists(env.backend1, m.address), true, 'nothing deleted yet');

    // the move rolls back: its partial copy on the target goes away, the move is cancelled
    await asBackendAdmin(env, env.backend2, (a) => a.deleteUserMailbox(m.address));
    await env.pool.query(`UPDATE moves SET state = 'cancelled' WHERE id = $1`, [moveId]);
    const done = await waitForJob(env.producer, QueueName.Mailbox, job.id!);
    assert.equal(done.state, 'completed', done.failedReason);
    assert.deepEqual(done.returnvalue, { deleted: true });
    assert.equal(await exists(env.backend1, m.address), false);
    assert.equal(await move(), undefined, 'the row and its moves are gone');
  });

  void it('a delete waits for a retained copy to be cleaned before the row (and its move) go', async () => {
    const m = await created('del2');
    const moveId = await moveUnderWay(m.id, m.address, MoveState.Frozen, 'frozen');
    await flip(m.id, moveId);
    await retain(moveId, new Date(Date.now() + 1_500));
    await env.pool.query(
      `UPDATE mailboxes SET state = 'deleting', delete_after = now() WHERE id = $1`,
      [m.id],
    );
    const job = await env.producer.add(JobName.MailboxDelete, { mailboxId: m.id }, { version: 1 });
    await waiting(job.id!);
    assert.equal(await exists(env.backend2, m.address), true, 'nothing deleted during retention');
    // MoveClean at the end of the retention: the source copy goes, the move is cleaned
    await asBackendAdmin(env, env.backend1, (a) => a.deleteUserMailbox(m.address));
    await env.pool.query(`UPDATE moves SET state = 'cleaned' WHERE id = $1`, [moveId]);
    const done = await waitForJob(env.producer, QueueName.Mailbox, job.id!);
    assert.equal(done.state, 'completed', done.failedReason);
    assert.equal(await exists(env.backend2, m.address), false, 'deleted on the routed backend');
  });

  // ---- real moves --------------------------------------------------------------------------

  const startMove = async (mailboxId: number): Promise<number> => {
    const { rows } = await env.pool.query<{ id: string }>(
      `INSERT INTO moves (mailbox_id, source_backend_id, target_backend_id) VALUES ($1, $2, $3)
       RETURNING id`,
      [mailboxId, env.backend1, env.backend2],
    );
    const moveId = Number(rows[0].id);
    await env.producer.add(JobName.MoveRun, { moveId });
    return moveId;
  };

  const moveOf = async (moveId: number) =>
    (
      await env.pool.query<{ state: MoveState; error: string | null; attempts: number }>(
        `SELECT state, error, attempts FROM moves WHERE id = $1`,
        [moveId],
      )
    ).rows[0];

  const withMail = async (address: string, count: number) => {
    await env.b1.setUserPassword(address, 'user-pw-1');
    await asMailUser(env.b1, address, 'user-pw-1', async (client) => {
      for (let i = 0; i < count; i++) await client.append('INBOX', message(`m${i}`, 2000));
    });
  };

  void it('a move does not begin while a rename is due, and moves the user by its new name after it', async () => {
    const m = await created('rmove');
    await withMail(m.address, 5);
    // the API committed a rename; its job has not run (Redis refused it, or it is still queued)
    await env.pool.query(
      `UPDATE mailboxes SET local_part = 'rmove2', address = 'rmove2@example.com' WHERE id = $1`,
      [m.id],
    );
    const moveId = await startMove(m.id);
    await eventually(async () => (await moveOf(moveId)).attempts >= 1, 'a first attempt');
    const first = await moveOf(moveId);
    assert.equal(first.state, MoveState.Queued, 'not begun');
    assert.match(first.error ?? '', /rename of rmove@example.com to rmove2@example.com/);
    assert.equal(
      (await env.pool.query(`SELECT state FROM mailboxes WHERE id = $1`, [m.id])).rows[0].state,
      'active',
    );

    // the rename job runs (the move is only queued: it is not in the way)
    const renamed = await env.run(
      JobName.MailboxRename,
      { mailboxId: m.id, fromAddress: m.address },
      'r1',
    );
    assert.deepEqual(renamed.returnvalue, { outcome: 'renamed' });
    await eventually(
      async () => [MoveState.Retained, MoveState.RolledBack].includes((await moveOf(moveId)).state),
      'the move to end',
      60_000,
    );
    assert.equal(
      (await moveOf(moveId)).state,
      MoveState.Retained,
      (await moveOf(moveId)).error ?? undefined,
    );
    await env.b2.setUserPassword('rmove2@example.com', 'user-pw-1');
    await asMailUser(env.b2, 'rmove2@example.com', 'user-pw-1', async (client) => {
      assert.equal(
        await messageCount(client, 'INBOX'),
        5,
        'the mail arrived on the target under the new name',
      );
    });
  });

  void it('a quota change during a real move is not set on the source and ends up on the target', async () => {
    const m = await created('qmove', 10 * MiB);
    await withMail(m.address, 40);
    const moveId = await startMove(m.id);
    await eventually(
      async () =>
        (await env.pool.query(`SELECT state FROM mailboxes WHERE id = $1`, [m.id])).rows[0]
          .state === 'moving',
      'the move to begin',
    );
    await env.pool.query(`UPDATE mailboxes SET quota_bytes = $2 WHERE id = $1`, [m.id, 70 * MiB]);
    const job = await env.producer.add(
      JobName.MailboxSetQuota,
      { mailboxId: m.id },
      { version: 1 },
    );
    const done = await waitForJob(env.producer, QueueName.Mailbox, job.id!, 90_000);
    assert.equal(done.state, 'completed', done.failedReason);
    assert.equal(
      (await moveOf(moveId)).state,
      MoveState.Retained,
      (await moveOf(moveId)).error ?? undefined,
    );
    assert.deepEqual(done.returnvalue, { changed: true, storageKiB: 70 * 1024 });
    assert.equal(
      await quotaKiB(env.backend2, m.address),
      70 * 1024,
      'the target has the new quota',
    );
    assert.equal(await quotaKiB(env.backend1, m.address), 10 * 1024, 'the source was left alone');
  });
});
