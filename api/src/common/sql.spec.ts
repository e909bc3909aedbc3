import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { likePrefix, prefixRange } from './sql';

describe('prefixRange', () => {
  it('bounds the strings that start with the prefix, in bytewise order', () => {
    assert.deepEqual(prefixRange('jo'), ['jo', 'jp']);
    assert.deepEqual(prefixRange('ab_'), ['ab_', 'ab`']);
    assert.deepEqual(prefixRange('x~'), ['x~', 'x\x7f']);
    const [from, to] = prefixRange('ann@');
    for (const inside of ['ann@', 'ann@example.com', 'ann@\x7f'])
      assert.ok(inside >= from && inside < to, inside);
    for (const outside of ['ann', 'anna@example.com', 'ann?', 'ann['])
      assert.ok(!(outside >= from && outside < to), outside);
  });

  it('steps a character outside the BMP as one code point', () => {
    assert.deepEqual(prefixRange('a😀'), ['a😀', 'a😁']);
    // its low surrogate is the last UTF-16 unit (0xDFFF): the next code point, not unit, follows
    assert.deepEqual(prefixRange('a\u{1F3FF}'), ['a\u{1F3FF}', 'a\u{1F400}']);
  });
});

describe('likePrefix', () => {
  it('escapes LIKE wildcards', () => {
    assert.equal(likePrefix('a_b%c\\'), 'a\\_b\\%c\\\\%');
  });
});
