import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImapConnectionError, ImapOverQuotaError } from '@roost/imap';
import { planBatches } from './folder-sync';
import { MemoryBudget } from './memory-budget';
import { MoveCancelledError, MovePermanentError, isTransient } from './move.errors';
import { MoveSettingsError, loadMoveSettings } from './move.settings';
import { copyableEntry } from './structure';
import { compareFolder } from './verification';

const meta = (uid: number, size: number, digest = `d${uid}`, flags: string[] = []) => ({
  uid,
  size,
  digest,
  flags,
  internalDate: '01-Jan-2020 10:00:00 +0000',
});

describe('planBatches', () => {
  it('cuts by count and by bytes, in UID order', () => {
    const batches = planBatches([meta(3, 10), meta(1, 10), meta(2, 10), meta(4, 10)], 2, 1000);
    assert.deepEqual(
      batches.map((b) => b.map((m) => m.uid)),
      [
        [1, 2],
        [3, 4],
      ],
    );
    const bySize = planBatches([meta(1, 600), meta(2, 600), meta(3, 100)], 100, 1000);
    assert.deepEqual(
      bySize.map((b) => b.map((m) => m.uid)),
      [[1], [2, 3]],
    );
  });

  it('sends a message larger than the byte limit alone', () => {
    const batches = planBatches([meta(1, 10), meta(2, 40_000_000), meta(3, 10)], 100, 8_000_000);
    assert.deepEqual(
      batches.map((b) => b.map((m) => m.uid)),
      [[1], [2], [3]],
    );
  });
});

describe('MemoryBudget', () => {
  it('holds waiters until enough is released, in order', async () => {
    const budget = new MemoryBudget(100);
    const a = await budget.acquire(60);
    let got = false;
    const pending = budget.acquire(60).then((release) => {
      got = true;
      return release;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(got, false);
    a();
    const b = await pending;
    assert.equal(budget.inUse, 60);
    b();
    b(); // releasing twice is harmless
    assert.equal(budget.inUse, 0);
  });

  it('lets a message larger than the whole budget through alone', async () => {
    const budget = new MemoryBudget(100);
    const big = await budget.acquire(40_000_000);
    assert.equal(budget.inUse, 100);
    big();
    assert.equal(budget.inUse, 0);
  });
});

describe('failure kinds', () => {
  it('retries backends that do not answer, rolls back refusals and cancels', () => {
    assert.equal(isTransient(new ImapConnectionError('down')), true);
    assert.equal(isTransient(new ImapOverQuotaError('full')), false);
    assert.equal(isTransient(new MovePermanentError('no')), false);
    assert.equal(isTransient(new MoveCancelledError()), false);
    assert.equal(isTransient(new Error('database hiccup')), true);
  });
});

describe('compareFolder', () => {
  it('is ok for equal folders and names what differs otherwise', () => {
    const src = [meta(1, 10, 'a', ['\\Seen']), meta(2, 10, 'b', ['$Work'])];
    const same = [meta(7, 10, 'a', ['\\Seen']), meta(8, 10, 'b', ['$work'])];
    assert.equal(compareFolder('INBOX', src, same).ok, true);
    const diff = compareFolder('INBOX', src, [meta(7, 10, 'a', []), meta(9, 10, 'c')]);
    assert.equal(diff.ok, false);
    assert.equal(diff.differences?.missing, 1);
    assert.equal(diff.differences?.extra, 1);
    assert.equal(diff.differences?.flags, 1);
  });
});

describe('copyableEntry', () => {
  it('copies user metadata and the Cyrus settings a user may set, not computed values', () => {
    assert.equal(copyableEntry('/private/comment', false), true);
    assert.equal(copyableEntry('/private/specialuse', false), true);
    assert.equal(copyableEntry('/shared/vendor/cmu/cyrus-imapd/expire', false), true);
    assert.equal(copyableEntry('/shared/vendor/cmu/cyrus-imapd/size', false), false);
    assert.equal(copyableEntry('/shared/vendor/cmu/cyrus-imapd/uniqueid', false), false);
    assert.equal(copyableEntry('/private/comment', true), true);
    assert.equal(copyableEntry('/shared/comment', true), false);
    assert.equal(copyableEntry('/private/vendor/cmu/cyrus-imapd/usermodseq', true), false);
  });
});

describe('loadMoveSettings', () => {
  it('reads ROOST_MOVE_* and reports every bad value', () => {
    const s = loadMoveSettings({ ROOST_MOVE_PARALLEL_FOLDERS: '3', ROOST_MOVE_SETTLE_MS: '1_500' });
    assert.equal(s.parallelFolders, 3);
    assert.equal(s.settleMs, 1500);
    assert.throws(
      () => loadMoveSettings({ ROOST_MOVE_BATCH_MESSAGES: '0', ROOST_MOVE_MAX_FROZEN_MS: 'x' }),
      (err: unknown) => err instanceof MoveSettingsError && err.problems.length === 2,
    );
  });
});
