import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { JobName, MoveState, cyrusMailboxName, jobIdFor } from '@roost/core';
import {
  MoveLab,
  admin,
  createUser,
  insertMove,
  mailboxRouting,
  message,
  moveRow,
  owner,
  ownerDigests,
  seedFolders,
  startMoveLab,
  transportOf,
  waitFor,
  untilMoveSettles,
} from './move-lab';
import { enqueueMove } from './move-worker';

// Before the flip, a failure or a cancel rolls the move back: the user stays active on the
// source with nothing changed there, and the partial copy on the target goes away.

void describe('move rollback', () => {
  let lab: MoveLab;

  before(async () => {
    lab = await startMoveLab('rollback', {
      worker: {
        batchMessages: 10,
        parallelFolders: 1,
        maxAttempts: 2,
        settleMs: 4_000, // a freeze long enough to cancel in
        imapTimeouts: {
          connectionTimeoutMs: 2_000,
          greetingTimeoutMs: 2_000,
          socketTimeoutMs: 5_000,
        },
      },
    });
  });

  after(() => lab?.stop());

  const finished = (moveId: number) => untilMoveSettles(lab, moveId);

  const targetHasUser = async (address: string) => {
    const a = await admin(lab.dst);
    try {
      const inbox = cyrusMailboxName(address);
      const local = address.split('@')[0];
      return (await a.listFolders()).some(
        (f) => f.selectable && (f.raw === inbox || f.raw.startsWith(`user/${local}/`)),
      );
    } finally {
      await a.close();
    }
  };

  const assertOnSourceUnchanged = async (
    user: { id: number; address: string },
    before: Awaited<ReturnType<typeof ownerDigests>>,
  ) => {
    assert.deepEqual(await mailboxRouting(lab, user.id), {
      backendId: lab.srcBackendId,
      state: 'active',
    });
    assert.equal(await transportOf(lab, user.address), `lmtp:inet:127.0.0.1:${lab.src.lmtpPort}`);
    // read as the owner: logins work (no deny left behind) and nothing changed
    assert.deepEqual(await ownerDigests(lab.src, user.address), before);
  };

  void it('rolls back when the target backend stops during the copy', async () => {
    const carol = await createUser(lab, 'carol');
    await seedFolders(lab.src, carol.address, { INBOX: 500, 'Ordner mit Leerzeichen': 100 });
    const before = await ownerDigests(lab.src, carol.address);
    const moveId = await insertMove(lab, carol.id);
    await enqueueMove(lab.queue, moveId);
    await waitFor('the copy to be under way', async () => {
      const row = await moveRow(lab, moveId);
      return row.state === MoveState.Copying && row.messagesDone >= 100;
    });
    await lab.dst.stop();
    try {
      const row = await finished(moveId);
      assert.equal(row.state, MoveState.RolledBack, `${row.state}: ${row.error}`);
      assert.match(row.error ?? '', /could not be deleted yet/);
      await assertOnSourceUnchanged(carol, before);
    } finally {
      await lab.dst.start();
    }
    // the partial copy goes once the target is back (MoveClean; here without its delay)
    assert.equal(await targetHasUser(carol.address), true, 'the partial copy is still there');
    await lab.queue.add(
      JobName.MoveClean,
      { moveId },
      {
        jobId: jobIdFor(JobName.MoveClean, { moveId }, 'test'),
        attempts: 3,
        backoff: { type: 'fixed', delay: 500 },
      },
    );
    await waitFor(
      'the partial copy to be deleted',
      async () => !(await targetHasUser(carol.address)),
    );
    assert.equal((await moveRow(lab, moveId)).state, MoveState.RolledBack);
  });

  void it('rolls back on a cancel during the copy', async () => {
    const dave = await createUser(lab, 'dave');
    await seedFolders(lab.src, dave.address, { INBOX: 400, 'Projekte/&AMQ-rger': 50 }); // Projekte/Ärger
    const before = await ownerDigests(lab.src, dave.address);
    const moveId = await insertMove(lab, dave.id);
    await enqueueMove(lab.queue, moveId);
    await waitFor('the copy to be under way', async () => {
      const row = await moveRow(lab, moveId);
      return row.state === MoveState.Copying && row.messagesDone >= 50;
    });
    await lab.pool.query(`UPDATE moves SET cancel_requested = true WHERE id = $1`, [moveId]);
    const row = await finished(moveId);
    assert.equal(row.state, MoveState.Cancelled, `${row.state}: ${row.error}`);
    await assertOnSourceUnchanged(dave, before);
    assert.equal(await targetHasUser(dave.address), false);
  });

  void it('rolls back on a cancel during the freeze, and thaws the mailbox', async () => {
    const erin = await createUser(lab, 'erin');
    await seedFolders(lab.src, erin.address, { INBOX: 60 });
    const before = await ownerDigests(lab.src, erin.address);
    const moveId = await insertMove(lab, erin.id);
    await enqueueMove(lab.queue, moveId);
    await waitFor(
      'the freeze',
      async () => (await moveRow(lab, moveId)).state === MoveState.Frozen,
    );
    assert.equal(await transportOf(lab, erin.address), 'retry:4.2.1 mailbox migration in progress');
    await lab.pool.query(`UPDATE moves SET cancel_requested = true WHERE id = $1`, [moveId]);
    const row = await finished(moveId);
    assert.equal(row.state, MoveState.Cancelled, `${row.state}: ${row.error}`);
    await assertOnSourceUnchanged(erin, before);
    assert.equal(await targetHasUser(erin.address), false);
  });

  void it('rolls back, naming the folder and UID, when the target refuses a message for good', async () => {
    // the target now takes at most 1 MB per message (APPENDLIMIT follows maxmessagesize)
    const conf = await readFile(lab.dst.imapdConfPath, 'utf8');
    await writeFile(lab.dst.imapdConfPath, `${conf}\nmaxmessagesize: 1000000\n`);
    await lab.dst.stop();
    await lab.dst.start();
    try {
      const fred = await createUser(lab, 'fred');
      await seedFolders(lab.src, fred.address, { INBOX: 30, 'Anh&AOQ-nge': 5 }); // Anhänge
      const o = await owner(lab.src, fred.address);
      try {
        const raw = Buffer.concat([
          message(77_777, { tag: 'too-big' }),
          Buffer.alloc(2_000_000, 'C'),
          Buffer.from('\r\n'),
        ]);
        await o.multiAppend('Anh&AOQ-nge', [
          { flags: [], internalDate: '02-May-2022 10:00:00 +0000', raw },
        ]);
      } finally {
        await o.close();
      }
      const before = await ownerDigests(lab.src, fred.address);
      const moveId = await insertMove(lab, fred.id);
      await enqueueMove(lab.queue, moveId);
      const row = await finished(moveId);
      assert.equal(row.state, MoveState.RolledBack, `${row.state}: ${row.error}`);
      assert.match(row.error ?? '', /folder "Anhänge" UID 6 \(\d+ bytes\) cannot be copied/);
      assert.equal(row.attempts, 1, 'a refusal is not retried');
      await assertOnSourceUnchanged(fred, before);
      assert.equal(await targetHasUser(fred.address), false);
    } finally {
      await writeFile(lab.dst.imapdConfPath, conf);
      await lab.dst.stop();
      await lab.dst.start();
    }
  });
});
