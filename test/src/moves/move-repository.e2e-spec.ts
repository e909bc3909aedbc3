import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MoveState } from '@roost/core';
import { createDataSource } from '@roost/db';
import { moves } from '@roost/workers';
import { DataSource } from 'typeorm';
import { TestDatabase, createTestDatabase } from '../harness/database';

// The move's state changes are conditional: each one must say whether it happened. (TypeORM's
// query() answers [rows, count] for an UPDATE, which once made every one of them look applied.)

void describe('move repository state changes', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: moves.MoveRepository;
  let source: number;
  let target: number;
  let domain: number;

  before(async () => {
    db = await createTestDatabase({ prefix: 'roost_moverepo' });
    ds = createDataSource(db.url, 3);
    await ds.initialize();
    repo = new moves.MoveRepository(ds);
    const one = async (sql: string, values: unknown[] = []) =>
      Number((await ds.query<{ id: number }[]>(sql, values))[0].id);
    domain = await one(`INSERT INTO domains (name) VALUES ('example.com') RETURNING id`);
    const backend = (name: string) =>
      one(
        `INSERT INTO backends (name, imap_host, imap_port, lmtp_host, lmtp_port, admin_secret_ref, capacity_bytes, capacity_mailboxes)
         VALUES ($1, '127.0.0.1', 143, '127.0.0.1', 24, 'env:X', 1000000, 100) RETURNING id`,
        [name],
      );
    source = await backend('a');
    target = await backend('b');
  });
  after(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  async function newMove(local: string): Promise<{ moveId: number; mailboxId: number }> {
    const [{ id: mailboxId }] = await ds.query<{ id: number }[]>(
      `INSERT INTO mailboxes (domain_id, local_part, address, password_hash, quota_bytes, backend_id, state)
       VALUES ($1, $2, $3, 'x', 0, $4, 'active') RETURNING id`,
      [domain, local, `${local}@example.com`, source],
    );
    const [{ id: moveId }] = await ds.query<{ id: number }[]>(
      `INSERT INTO moves (mailbox_id, source_backend_id, target_backend_id) VALUES ($1, $2, $3) RETURNING id`,
      [mailboxId, source, target],
    );
    return { moveId: Number(moveId), mailboxId: Number(mailboxId) };
  }

  const mailbox = async (id: number) =>
    (
      await ds.query<{ backend_id: number; state: string }[]>(
        `SELECT backend_id, state FROM mailboxes WHERE id = $1`,
        [id],
      )
    )[0];

  void it('moves on only from the state it expects', async () => {
    const { moveId } = await newMove('t1');
    assert.equal(await repo.transition(moveId, [MoveState.Copying], MoveState.Syncing), false);
    assert.equal(await repo.transition(moveId, [MoveState.Queued], MoveState.Preparing), true);
    assert.equal(await repo.transition(moveId, [MoveState.Queued], MoveState.Preparing), false);
  });

  void it('counts attempts and reports a cancel through the progress write', async () => {
    const { moveId } = await newMove('t2');
    assert.equal(await repo.failAttempt(moveId, 'one'), 1);
    assert.equal(await repo.failAttempt(moveId, 'two'), 2);
    const counters = {
      foldersTotal: 1,
      foldersDone: 0,
      messagesTotal: 10,
      messagesDone: 5,
      bytesTotal: 100,
      bytesDone: 50,
      rateMessagesPerS: 1.5,
      etaS: 4,
    };
    assert.equal(await repo.writeProgress(moveId, counters), false);
    await ds.query(`UPDATE moves SET cancel_requested = true WHERE id = $1`, [moveId]);
    assert.equal(await repo.writeProgress(moveId, counters), true);
  });

  void it('freezes and flips only a mailbox in the expected state, within the frozen limit', async () => {
    const { moveId, mailboxId } = await newMove('t3');
    const subject = await repo.load(moveId);
    assert.ok(subject);
    assert.equal(await repo.begin(subject, subject.mailbox.address), true);
    assert.equal((await mailbox(mailboxId)).state, 'moving');
    // not syncing yet: no freeze
    assert.equal(await repo.freeze(moveId, mailboxId, source), false);
    await repo.transition(moveId, [MoveState.Preparing], MoveState.Syncing);
    assert.equal(await repo.freeze(moveId, mailboxId, source), true);
    assert.equal((await mailbox(mailboxId)).state, 'frozen');
    await repo.transition(moveId, [MoveState.Frozen], MoveState.Verifying);

    // the freeze began too long ago: no flip
    await ds.query(`UPDATE moves SET frozen_at = now() - interval '10 minutes' WHERE id = $1`, [
      moveId,
    ]);
    assert.equal(await repo.flip((await repo.load(moveId))!, 60_000), false);
    assert.deepEqual(await mailbox(mailboxId), { backend_id: source, state: 'frozen' });
    // someone thawed the mailbox: no flip, and the move is untouched
    await ds.query(`UPDATE moves SET frozen_at = now() WHERE id = $1`, [moveId]);
    await ds.query(`UPDATE mailboxes SET state = 'moving' WHERE id = $1`, [mailboxId]);
    assert.equal(await repo.flip((await repo.load(moveId))!, 60_000), false);
    assert.equal((await repo.reloadMove(moveId)).state, MoveState.Verifying);
    // frozen again: the flip happens, in one transaction
    await ds.query(`UPDATE mailboxes SET state = 'frozen' WHERE id = $1`, [mailboxId]);
    assert.equal(await repo.flip((await repo.load(moveId))!, 60_000), true);
    assert.deepEqual(await mailbox(mailboxId), { backend_id: target, state: 'active' });
    assert.equal((await repo.reloadMove(moveId)).state, MoveState.Flipped);
    assert.equal(
      await repo.restoreMailbox(mailboxId, source),
      false,
      'never undone after the flip',
    );
    assert.equal(await repo.retain(moveId, new Date()), true);
    assert.equal(await repo.retain(moveId, new Date()), false);
  });

  void it('refuses the freeze once a cancel was asked for', async () => {
    const { moveId, mailboxId } = await newMove('t4');
    const loaded = (await repo.load(moveId))!;
    assert.equal(await repo.begin(loaded, loaded.mailbox.address), true);
    await repo.transition(moveId, [MoveState.Preparing], MoveState.Syncing);
    await ds.query(`UPDATE moves SET cancel_requested = true WHERE id = $1`, [moveId]);
    assert.equal(await repo.freeze(moveId, mailboxId, source), false);
    assert.equal((await mailbox(mailboxId)).state, 'moving');
    assert.equal(await repo.restoreMailbox(mailboxId, source), true);
    assert.equal((await mailbox(mailboxId)).state, 'active');
  });
});
