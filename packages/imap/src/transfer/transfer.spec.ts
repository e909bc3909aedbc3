import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalFlags,
  folderDigest,
  internalDateSeconds,
  matchByDigest,
  sameFlags,
  storableFlags,
} from './message-meta';
import { chunk, compressUids, expandUidSet } from './uid-set';

void describe('UID sets', () => {
  void it('compresses sorted and unsorted lists into ranges', () => {
    assert.equal(compressUids([1, 2, 3, 5, 7, 8, 9]), '1:3,5,7:9');
    assert.equal(compressUids([9, 1, 2, 2, 8]), '1:2,8:9');
    assert.equal(compressUids([42]), '42');
    assert.equal(compressUids([]), '');
  });

  void it('expands APPENDUID ranges in the order written', () => {
    assert.deepEqual(expandUidSet('103:106'), [103, 104, 105, 106]);
    assert.deepEqual(expandUidSet('5,7,9:10'), [5, 7, 9, 10]);
    assert.deepEqual(expandUidSet('4:2'), [4, 3, 2]);
    assert.deepEqual(expandUidSet(''), []);
  });

  void it('refuses sets a server never sends', () => {
    assert.throws(() => expandUidSet('1:*'));
    assert.throws(() => expandUidSet('0'));
    assert.throws(() => expandUidSet('a,b'));
  });

  void it('round-trips', () => {
    const uids = [1, 2, 3, 10, 11, 20, 4000, 4001, 4002];
    assert.deepEqual(expandUidSet(compressUids(uids)), uids);
  });

  void it('chunks', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  });
});

void describe('message metadata', () => {
  void it('drops \\Recent and compares flags case-insensitively, in any order', () => {
    assert.deepEqual(storableFlags(['\\Seen', '\\Recent', '$Label1']), ['\\Seen', '$Label1']);
    assert.ok(sameFlags(['\\Seen', 'Work', '\\Recent'], ['work', '\\SEEN']));
    assert.ok(!sameFlags(['\\Seen'], ['\\Seen', '\\Flagged']));
    assert.equal(canonicalFlags(['b', 'A', 'a']), 'a b');
  });

  void it('reads internal dates in any zone and with a space-padded day', () => {
    assert.equal(internalDateSeconds(' 1-Jan-2020 08:00:00 +0000'), 1577865600);
    assert.equal(internalDateSeconds('01-Jan-2020 10:00:00 +0200'), 1577865600);
    assert.equal(internalDateSeconds('31-Dec-2019 23:00:00 -0900'), 1577865600);
    assert.throws(() => internalDateSeconds('yesterday'));
  });

  void it('digests folders independently of UIDs and order, and sees every difference', () => {
    const a = [
      {
        uid: 1,
        size: 10,
        digest: 'aa',
        flags: ['\\Seen'],
        internalDate: '01-Jan-2020 10:00:00 +0000',
      },
      {
        uid: 2,
        size: 20,
        digest: 'bb',
        flags: ['$Work'],
        internalDate: '02-Jan-2020 10:00:00 +0000',
      },
    ];
    const b = [
      {
        uid: 7,
        size: 20,
        digest: 'bb',
        flags: ['$work'],
        internalDate: '02-Jan-2020 11:00:00 +0100',
      },
      {
        uid: 9,
        size: 10,
        digest: 'aa',
        flags: ['\\Seen', '\\Recent'],
        internalDate: ' 1-Jan-2020 10:00:00 +0000',
      },
    ];
    assert.deepEqual(folderDigest(a), folderDigest(b));
    assert.equal(folderDigest(a).bytes, 30);
    const flagChanged = [{ ...a[0], flags: [] }, a[1]];
    const dateChanged = [{ ...a[0], internalDate: '01-Jan-2020 10:00:01 +0000' }, a[1]];
    const bytesChanged = [{ ...a[0], digest: 'ab' }, a[1]];
    for (const other of [flagChanged, dateChanged, bytesChanged, [a[0]]]) {
      assert.notEqual(folderDigest(other).digest, folderDigest(a).digest);
    }
  });
});

void describe('matchByDigest', () => {
  const m = (uid: number, digest: string) => ({ uid, digest });

  void it('pairs copies, finds what is missing and what is extra', () => {
    const r = matchByDigest(
      [m(1, 'a'), m(2, 'b'), m(3, 'c')],
      [m(10, 'b'), m(11, 'a'), m(12, 'x')],
    );
    assert.deepEqual(r.pairs, [
      [1, 11],
      [2, 10],
    ]);
    assert.deepEqual(r.sourceOnly, [3]);
    assert.deepEqual(r.targetOnly, [12]);
  });

  void it('pairs identical messages one to one, lowest UIDs first', () => {
    const r = matchByDigest([m(5, 'a'), m(9, 'a')], [m(1, 'a')]);
    assert.deepEqual(r.pairs, [[5, 1]]);
    assert.deepEqual(r.sourceOnly, [9]);
    const twice = matchByDigest([m(5, 'a')], [m(1, 'a'), m(2, 'a')]);
    assert.deepEqual(twice.pairs, [[5, 1]]);
    assert.deepEqual(twice.targetOnly, [2]);
  });

  void it('recognises a batch stored by an interrupted APPEND, so a resume copies it once', () => {
    const source = [m(1, 'a'), m(2, 'b'), m(3, 'c'), m(4, 'd')];
    // checkpoint said 1 message; the crash happened after the batch [2, 3] was stored
    const target = [m(1, 'a'), m(2, 'b'), m(3, 'c')];
    const r = matchByDigest(source, target);
    assert.deepEqual(r.sourceOnly, [4]);
    assert.deepEqual(r.targetOnly, []);
  });
});
