import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MoveState, cyrusMailboxName } from '@roost/core';
import {
  MoveLab,
  cyrusControl,
  admin,
  deliverLikePostfix,
  createUser,
  insertMove,
  lmtpDeliver,
  mailboxRouting,
  message,
  moveRow,
  owner,
  ownerDigests,
  seedFolders,
  sieve,
  startMoveLab,
  transportOf,
  waitFor,
  untilMoveSettles,
} from './move-lab';
import { enqueueMove } from './move-worker';

// A whole move between two real Cyrus backends, driven by the move queue's processor:
// everything a user has arrives byte-exact, mail delivered while it runs is not lost, and the
// routing entry defers while frozen and points at the target after the flip.

/** Folders as the server writes them: nested, with spaces, non-ASCII (modified UTF-7). */
const FOLDERS = {
  INBOX: 300,
  Sent: 120,
  'Archive/2023/Q1 Reports': 90,
  'Entw&APw-rfe': 40, // Entwürfe
  'Projekte/Gr&APYA3w-e Kunden': 60, // Projekte/Größe Kunden
};
const BIG_FOLDER = 'Archive/2023/Q1 Reports';
const FILTER =
  'require ["fileinto"];\r\nif header :contains "subject" "Rechnung" { fileinto "Archive"; }\r\n';
const VACATION = 'require ["vacation"];\r\nvacation :days 7 "Bin im Urlaub – Grüße";\r\n';

void describe('move (IMAP engine) between two Cyrus backends', () => {
  let lab: MoveLab;

  before(async () => {
    lab = await startMoveLab('moves', {
      worker: {
        batchMessages: 20, // many checkpoints, and a copy that lasts long enough to deliver into
        parallelFolders: 2,
        settleMs: 2_000,
        retentionMs: 3_000,
        progressEveryMs: 500,
      },
    });
  });

  after(() => lab?.stop());

  let alice: { id: number; address: string };
  let moveId: number;
  const frozenDeliveries: Promise<number>[] = [];
  let acceptedBySource = 0;
  const seen = {
    copyingTransport: '',
    frozenTransport: '',
    frozenMailboxState: '',
    progressGapMs: 0,
  };

  void it('moves everything of a user while mail keeps arriving, and flips the routing entry', async () => {
    alice = await createUser(lab, 'alice');
    await seedFolders(lab.src, alice.address, FOLDERS);
    const o = await owner(lab.src, alice.address);
    try {
      // a 10 MB message, \Seen and a keyword set by the owner
      const big = Buffer.concat([
        message(90_001, { size: 1024, tag: 'big' }),
        Buffer.alloc(10 * 1024 * 1024, 'A'),
      ]);
      await o.multiAppend(BIG_FOLDER, [
        {
          flags: ['\\Seen', '$Label1'],
          internalDate: '05-Mar-2021 12:34:56 +0000',
          raw: Buffer.concat([big, Buffer.from('\r\n')]),
        },
      ]);
      await o.setMetadata('Sent', [{ entry: '/private/specialuse', value: '\\Sent' }]);
      await o.setMetadata('Archive', [{ entry: '/private/comment', value: 'Ablage – alt' }]);
      await o.setAcl(BIG_FOLDER, 'bob@example.com', 'lrs');
      await o.unsubscribe('Entw&APw-rfe');
    } finally {
      await o.close();
    }
    const s = await sieve(lab.src, alice.address);
    await s.putScript('filters', FILTER);
    await s.putScript('vacation', VACATION);
    await s.setActive('filters');
    await s.logout();

    moveId = await insertMove(lab, alice.id);
    await enqueueMove(lab.queue, moveId);

    // during the copy: mail still goes to the source, and it arrives there
    await waitFor('the copy to start', async () => {
      const row = await moveRow(lab, moveId);
      return row.state === MoveState.Copying && row.messagesDone > 0;
    });
    seen.copyingTransport = (await transportOf(lab, alice.address)) ?? '';
    for (let i = 0; i < 3; i++) {
      await lmtpDeliver(lab.src, alice.address, message(80_000 + i, { tag: 'during-copy' }));
    }
    let lastProgress = Date.now();
    await waitFor(
      'the freeze',
      async () => {
        const row = await moveRow(lab, moveId);
        if (row.state === MoveState.Copying && row.progressAt) {
          seen.progressGapMs = Math.max(seen.progressGapMs, Date.now() - row.progressAt.getTime());
          lastProgress = row.progressAt.getTime();
        }
        return row.state === MoveState.Frozen ? row : undefined;
      },
      120_000,
      10,
    );
    assert.ok(lastProgress > 0);
    // while frozen: Postfix defers, and a delivery already under way still reaches the source
    seen.frozenTransport = (await transportOf(lab, alice.address)) ?? '';
    seen.frozenMailboxState = (await mailboxRouting(lab, alice.id)).state;
    // Deliveries whose route was resolved before the freeze (qmgr's cache). The first, sent as
    // soon as the freeze shows, may still be accepted by the source: the final sync carries it.
    // The second is sent once the source denies the owner (sessions ending): refused with 4.2.1,
    // it is retried like Postfix does, by the transport view, which defers until the flip.
    frozenDeliveries.push(
      deliverLikePostfix(lab, alice.address, message(81_000, { tag: 'during-freeze' }), lab.src),
    );
    await waitFor('the deny on the source', async () => {
      const { rows } = await lab.pool.query(
        `SELECT 1 FROM relay_calls WHERE backend_id = $1 AND action = 'deny' AND reason LIKE $2`,
        [lab.srcBackendId, `move ${moveId}:%`],
      );
      return rows.length > 0;
    });
    frozenDeliveries.push(
      deliverLikePostfix(lab, alice.address, message(81_001, { tag: 'during-freeze' }), lab.src),
    );
    const done = await untilMoveSettles(lab, moveId);
    assert.equal(done.state, MoveState.Retained, `move ended ${done.state}: ${done.error}`);
    const [early, late] = await Promise.all(frozenDeliveries);
    assert.ok(early === lab.src.lmtpPort || early === lab.dst.lmtpPort);
    assert.equal(
      late,
      lab.dst.lmtpPort,
      'refused by the denied source, then delivered to the target',
    );
    acceptedBySource = early === lab.src.lmtpPort ? 1 : 0;
  });

  void it('deferred mail while frozen and points the transport at the target after the flip', async () => {
    assert.match(
      seen.copyingTransport,
      new RegExp(`^lmtp:inet:127\\.0\\.0\\.1:${lab.src.lmtpPort}$`),
    );
    assert.equal(seen.frozenTransport, 'retry:4.2.1 mailbox migration in progress');
    assert.equal(seen.frozenMailboxState, 'frozen');
    assert.equal(await transportOf(lab, alice.address), `lmtp:inet:127.0.0.1:${lab.dst.lmtpPort}`);
    assert.deepEqual(await mailboxRouting(lab, alice.id), {
      backendId: lab.dstBackendId,
      state: 'active',
    });
  });

  void it('left identical folders on both sides, with the deliveries, as the verification report says', async () => {
    // the source copy is retained with the owner denied; let the owner in to read it
    await cyrusControl(lab.src, 'allow', alice.address);
    const source = await ownerDigests(lab.src, alice.address);
    const target = await ownerDigests(lab.dst, alice.address);
    await cyrusControl(lab.src, 'deny', alice.address);
    // the INBOX also got what was held during the freeze and delivered after the flip
    assert.deepEqual({ ...target, INBOX: undefined }, { ...source, INBOX: undefined });
    assert.equal(source.INBOX.messages, FOLDERS.INBOX + 3 + acceptedBySource);
    assert.equal(target.INBOX.messages, FOLDERS.INBOX + 5, 'every delivery is on the target');
    assert.equal(target['Archive/2023/Q1 Reports'].messages, FOLDERS[BIG_FOLDER] + 1);
    assert.ok(target['Archive/2023/Q1 Reports'].bytes > 10 * 1024 * 1024);
    assert.ok(target['Entwürfe'] && target['Projekte/Größe Kunden']);

    const row = await moveRow(lab, moveId);
    const report = row.verification as {
      ok: boolean;
      folders: {
        name: string;
        ok: boolean;
        source: { digest: string };
        target: { digest: string };
      }[];
      messages: { source: number; target: number };
      sieve: { ok: boolean; active: string | null };
    };
    assert.equal(report.ok, true);
    assert.equal(report.sieve.active, 'filters');
    for (const f of report.folders) {
      assert.equal(f.ok, true, f.name);
      assert.equal(f.target.digest, f.source.digest);
      assert.equal(source[f.name]?.digest, f.source.digest, `report digest of ${f.name}`);
    }
    assert.equal(
      report.messages.source,
      Object.values(source).reduce((n, f) => n + f.messages, 0),
    );
  });

  void it("kept the owner's \\Seen, keywords, dates, structure, ACLs, metadata and Sieve scripts", async () => {
    const t = await owner(lab.dst, alice.address);
    try {
      await t.open(BIG_FOLDER, true);
      const metas = await t.fetchMeta();
      const big = metas.find((m) => m.size > 10 * 1024 * 1024);
      assert.ok(big, 'the 10 MB message is there');
      assert.deepEqual([...big.flags].sort(), ['$Label1', '\\Seen']);
      assert.equal(big.internalDate.trim(), '5-Mar-2021 12:34:56 +0000');
      const folders = await t.listFolders();
      const byName = new Map(folders.map((f) => [f.name, f]));
      assert.equal(byName.get('Sent')?.specialUse, '\\Sent');
      assert.equal(byName.get('Entwürfe')?.subscribed, false);
      assert.equal(byName.get('Projekte/Größe Kunden')?.subscribed, true);
      assert.deepEqual((await t.getAcl(BIG_FOLDER))['bob@example.com'], 'lrs');
      const comment = (await t.getMetadata('Archive')).find((e) => e.entry === '/private/comment');
      assert.equal(comment?.value, 'Ablage – alt');
    } finally {
      await t.close();
    }
    const s = await sieve(lab.dst, alice.address);
    try {
      assert.deepEqual(await s.listScripts(), [
        { name: 'filters', active: true },
        { name: 'vacation', active: false },
      ]);
      assert.equal(await s.getScript('vacation'), VACATION);
    } finally {
      await s.logout();
    }
  });

  void it('reported progress while copying, at least every 2 s', async () => {
    const row = await moveRow(lab, moveId);
    assert.ok(row.messagesTotal >= 600, `messages_total ${row.messagesTotal}`);
    assert.equal(row.messagesDone, row.messagesTotal);
    assert.equal(row.bytesDone, row.bytesTotal);
    assert.equal(row.foldersDone, row.foldersTotal);
    assert.ok(row.foldersTotal >= 7);
    assert.ok(seen.progressGapMs < 2_500, `progress was ${seen.progressGapMs} ms old`);
    assert.ok(row.frozenAt && row.flippedAt && row.flippedAt > row.frozenAt);
  });

  void it('deletes the source copy after the retention period (MoveClean)', async () => {
    const row = await waitFor('MoveClean', async () => {
      const r = await moveRow(lab, moveId);
      return r.state === MoveState.Cleaned ? r : undefined;
    });
    assert.equal(row.state, MoveState.Cleaned);
    const a = await admin(lab.src);
    try {
      const inbox = cyrusMailboxName(alice.address);
      // Cyrus may keep the names of intermediate folders as \NonExistent: those hold nothing
      const list = (await a.listFolders()).filter((f) => f.selectable).map((f) => f.raw);
      assert.ok(!list.includes(inbox), `${inbox} is still on the source`);
      assert.ok(
        !list.some((raw) => raw.startsWith('user/alice/')),
        `folders left on the source: ${list.join(', ')}`,
      );
    } finally {
      await a.close();
    }
    assert.equal((await ownerDigests(lab.dst, alice.address)).INBOX.messages, FOLDERS.INBOX + 5);
  });
});
