import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MoveEngine, MoveState, cyrusMailboxName } from '@roost/core';
import {
  MoveLab,
  admin,
  createUser,
  insertMove,
  mailboxRouting,
  moveRow,
  owner,
  ownerDigests,
  seedFolders,
  sieve,
  startMoveLab,
  transportOf,
  untilMoveSettles,
} from './move-lab';
import { enqueueMove } from './move-worker';

// The optional XFER engine: Cyrus moves the user itself (UIDs kept), inside the freeze; Roost
// verifies the target against a snapshot of the source and flips the routing entry.

void describe('move (XFER engine)', () => {
  let lab: MoveLab;

  before(async () => {
    lab = await startMoveLab('xfer', { worker: { settleMs: 300 } });
  });

  after(() => lab?.stop());

  void it('moves the user with XFER, keeping UIDVALIDITY and UIDs, and flips', async () => {
    const xavier = await createUser(lab, 'xavier');
    await seedFolders(lab.src, xavier.address, {
      INBOX: 200,
      'Archiv/2022': 150,
      'Entw&APw-rfe': 20,
    });
    const s = await sieve(lab.src, xavier.address);
    await s.putScript('main', 'require ["fileinto"];\r\nkeep;\r\n');
    await s.setActive('main');
    await s.logout();
    const before = await ownerDigests(lab.src, xavier.address);
    const uidsBefore = await uidState(lab, 'src', xavier.address);

    const moveId = await insertMove(lab, xavier.id, MoveEngine.Xfer);
    await enqueueMove(lab.queue, moveId);
    const done = await untilMoveSettles(lab, moveId);
    assert.ok(
      [MoveState.Retained, MoveState.Cleaned].includes(done.state),
      `${done.state}: ${done.error} ${JSON.stringify(done.verification)}`,
    );
    assert.equal((done.verification as { ok: boolean; engine: string }).ok, true);
    assert.equal((done.verification as { engine: string }).engine, 'xfer');
    assert.deepEqual(await ownerDigests(lab.dst, xavier.address), before);
    assert.deepEqual(
      await uidState(lab, 'dst', xavier.address),
      uidsBefore,
      'UIDVALIDITY and UIDs kept',
    );
    assert.deepEqual(await mailboxRouting(lab, xavier.id), {
      backendId: lab.dstBackendId,
      state: 'active',
    });
    assert.equal(await transportOf(lab, xavier.address), `lmtp:inet:127.0.0.1:${lab.dst.lmtpPort}`);
    const a = await admin(lab.src);
    try {
      const left = (await a.listFolders()).filter((f) => f.selectable && f.raw.includes('xavier'));
      assert.deepEqual(left, [], 'Cyrus removed the user from the source');
    } finally {
      await a.close();
    }
    const t = await sieve(lab.dst, xavier.address);
    try {
      assert.deepEqual(await t.listScripts(), [{ name: 'main', active: true }]);
    } finally {
      await t.logout();
    }
    assert.ok(cyrusMailboxName(xavier.address));
  });

  void it('moves a mailbox back to where its copy is still retained (IMAP engine)', async () => {
    const yara = await createUser(lab, 'yara');
    await seedFolders(lab.src, yara.address, { INBOX: 80, Projekte: 40 });
    const before = await ownerDigests(lab.src, yara.address);
    const away = await insertMove(lab, yara.id);
    await enqueueMove(lab.queue, away);
    const first = await untilMoveSettles(lab, away);
    assert.equal(first.state, MoveState.Retained, `${first.state}: ${first.error}`);
    // the source keeps its copy (owner denied) for the retention period; now move back
    const back = await insertMove(lab, yara.id, MoveEngine.Imap, 'back');
    await enqueueMove(lab.queue, back);
    const second = await untilMoveSettles(lab, back);
    assert.equal(second.state, MoveState.Retained, `${second.state}: ${second.error}`);
    assert.deepEqual(await mailboxRouting(lab, yara.id), {
      backendId: lab.srcBackendId,
      state: 'active',
    });
    const old = await moveRow(lab, away);
    assert.equal(old.state, MoveState.Cleaned);
    assert.match(old.error ?? '', /replaced by move/);
    // the user reads the fresh copy on the source: not denied there any more
    assert.deepEqual(await ownerDigests(lab.src, yara.address), before);
  });
});

/** Per folder: UIDVALIDITY and the UID list, as the owner reads them. */
async function uidState(lab: MoveLab, side: 'src' | 'dst', address: string) {
  const session = await owner(side === 'src' ? lab.src : lab.dst, address);
  const out: Record<string, { uidValidity: number; uids: number[] }> = {};
  try {
    for (const f of await session.listFolders()) {
      if (!f.selectable) continue;
      const opened = await session.open(f.raw, true);
      out[f.name] = { uidValidity: opened.uidValidity, uids: await session.allUids() };
    }
  } finally {
    await session.close();
  }
  return out;
}
