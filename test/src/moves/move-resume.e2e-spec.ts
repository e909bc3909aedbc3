import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import * as path from 'node:path';
import { MoveState } from '@roost/core';
import {
  MoveLab,
  cyrusControl,
  createUser,
  folderShas,
  insertMove,
  lmtpDeliver,
  message,
  moveRow,
  owner,
  ownerDigests,
  seedFolders,
  startMoveLab,
  waitFor,
  untilMoveSettles,
} from './move-lab';
import { enqueueMove } from './move-worker';

// A worker killed with SIGKILL in the middle of the copy, and again in the middle of the delta
// passes, leaves a move that the next worker finishes with neither a duplicate nor a gap. The
// worst moment is reproduced on purpose too: a batch stored on the target whose checkpoint was
// never written (the worker died between the APPEND's OK and the UPDATE).

const ENTRY = path.join(__dirname, 'move-worker.entry.js');
const FOLDERS = { INBOX: 500, Sent: 250, 'Archive/Alte Daten': 250 };
const SETTINGS = {
  batchMessages: 10,
  parallelFolders: 1,
  syncMaxPasses: 8,
  syncSmallDelta: 0, // no pass counts as small: all of them run, with a pause between them
  syncIntervalMs: 1_500,
  settleMs: 500,
  progressEveryMs: 500,
};

void describe('move resumes after SIGKILL without duplicates or gaps', () => {
  let lab: MoveLab;
  const children = new Set<ChildProcess>();

  const spawnWorker = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [ENTRY], {
      env: {
        ...process.env,
        ROOST_TEST_DATABASE_URL: lab.db.url,
        ROOST_TEST_REDIS_URL: lab.redisUrl,
        ROOST_TEST_PREFIX: lab.prefix,
        ROOST_TEST_MOVE_SETTINGS: JSON.stringify(SETTINGS),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) =>
        reject(new Error(`worker exited with ${code} before it was ready`)),
      );
    });
    return child;
  };

  const kill = async (child: ChildProcess) => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  before(async () => {
    lab = await startMoveLab('resume');
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await lab?.stop();
  });

  void it('finishes after a kill while copying and another while syncing', async () => {
    const bob = await createUser(lab, 'bob');
    await seedFolders(lab.src, bob.address, FOLDERS);
    const moveId = await insertMove(lab, bob.id);
    await enqueueMove(lab.queue, moveId);

    // 1. killed during the bulk copy
    const first = await spawnWorker();
    await waitFor('the copy to be under way', async () => {
      const row = await moveRow(lab, moveId);
      return row.state === MoveState.Copying && row.messagesDone >= 300;
    });
    await kill(first);
    const killedAt = await moveRow(lab, moveId);
    assert.equal(killedAt.state, MoveState.Copying);

    // the worst case, made certain: a batch that reached the target after its checkpoint
    const { rows } = await lab.pool.query<{ name: string; last_copied_uid: string }>(
      `SELECT name, last_copied_uid FROM move_folders WHERE move_id = $1 AND NOT done ORDER BY name LIMIT 1`,
      [moveId],
    );
    assert.equal(rows.length, 1, 'a folder was being copied');
    const folder = rows[0].name === 'Archive/Alte Daten' ? 'Archive/Alte Daten' : rows[0].name;
    const last = Number(rows[0].last_copied_uid);
    const src = await owner(lab.src, bob.address);
    const dst = await owner(lab.dst, bob.address);
    try {
      await src.open(folder, true);
      const next = (await src.allUids()).filter((uid) => uid > last).slice(0, 7);
      const batch = await src.fetchMessages(next);
      await dst.multiAppend(folder, batch);
    } finally {
      await src.close();
      await dst.close();
    }

    // 2. the next worker takes the job over (its lock expires), and is killed while syncing;
    //    meanwhile the user gets mail, reads some, and deletes some
    const second = await spawnWorker();
    await waitFor(
      'the delta passes',
      async () => {
        const row = await moveRow(lab, moveId);
        return row.state === MoveState.Syncing;
      },
      120_000,
    );
    for (let i = 0; i < 5; i++)
      await lmtpDeliver(lab.src, bob.address, message(70_000 + i, { tag: 'sync' }));
    const o = await owner(lab.src, bob.address);
    try {
      await o.open('Sent', false);
      const uids = await o.allUids();
      await o.setFlags(uids.slice(0, 20).map((uid) => ({ uid, flags: ['\\Seen', '$Label2'] })));
      await o.expungeUids(uids.slice(20, 23));
    } finally {
      await o.close();
    }
    await new Promise((r) => setTimeout(r, 700)); // inside a pass or the pause after it
    const syncing = await moveRow(lab, moveId);
    assert.equal(syncing.state, MoveState.Syncing, `expected syncing, got ${syncing.state}`);
    await kill(second);

    // 3. a third worker finishes it
    const third = await spawnWorker();
    const done = await untilMoveSettles(lab, moveId, 180_000);
    await kill(third);
    assert.equal(done.state, MoveState.Retained, `${done.state}: ${done.error}`);
    assert.equal((done.verification as { ok: boolean }).ok, true);

    await cyrusControl(lab.src, 'allow', bob.address);
    const source = await ownerDigests(lab.src, bob.address);
    const target = await ownerDigests(lab.dst, bob.address);
    assert.deepEqual(target, source);
    assert.equal(source.INBOX.messages, FOLDERS.INBOX + 5);
    assert.equal(source.Sent.messages, FOLDERS.Sent - 3);
    for (const raw of ['INBOX', 'Sent', 'Archive/Alte Daten']) {
      const shas = await folderShas(lab.dst, bob.address, raw);
      assert.equal(new Set(shas).size, shas.length, `duplicates in ${raw}`);
      assert.deepEqual(shas, await folderShas(lab.src, bob.address, raw), `gap or extra in ${raw}`);
    }
  });
});
