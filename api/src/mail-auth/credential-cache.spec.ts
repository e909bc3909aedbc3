import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedCredentialCache } from './credential-cache';

void describe('VerifiedCredentialCache', () => {
  const make = (now: { t: number }, maxEntries = 10) =>
    new VerifiedCredentialCache({ ttlMs: 1000, maxEntries, now: () => now.t });

  void it('remembers a verified pair for the stored hash it was checked against', () => {
    const now = { t: 0 };
    const cache = make(now);
    cache.remember('a@x.example', 'pw', 'HASH1');
    assert.equal(cache.has('a@x.example', 'pw', 'HASH1'), true);
    assert.equal(cache.has('a@x.example', 'other', 'HASH1'), false);
    assert.equal(cache.has('b@x.example', 'pw', 'HASH1'), false);
  });

  void it('misses at once when the stored hash changed (password change, re-hash)', () => {
    const cache = make({ t: 0 });
    cache.remember('a@x.example', 'pw', 'HASH1');
    assert.equal(cache.has('a@x.example', 'pw', 'HASH2'), false);
    assert.equal(cache.has('a@x.example', 'pw', 'HASH1'), false, 'a stale entry is dropped');
  });

  void it('forgets after the TTL', () => {
    const now = { t: 0 };
    const cache = make(now);
    cache.remember('a@x.example', 'pw', 'H');
    now.t = 999;
    assert.equal(cache.has('a@x.example', 'pw', 'H'), true);
    now.t = 1000;
    assert.equal(cache.has('a@x.example', 'pw', 'H'), false);
  });

  void it('keeps at most maxEntries, dropping the oldest', () => {
    const cache = make({ t: 0 }, 2);
    cache.remember('a@x.example', 'pw', 'H');
    cache.remember('b@x.example', 'pw', 'H');
    cache.remember('c@x.example', 'pw', 'H');
    assert.equal(cache.size, 2);
    assert.equal(cache.has('a@x.example', 'pw', 'H'), false);
    assert.equal(cache.has('c@x.example', 'pw', 'H'), true);
  });

  void it('does not tell (login, password) pairs apart by concatenation', () => {
    const cache = make({ t: 0 });
    cache.remember('a@x.example', 'bc', 'H');
    assert.equal(cache.has('a@x.exampleb', 'c', 'H'), false);
  });
});
