import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CYRUS_MAX_STORAGE_KIB } from '@roost/imap';
import { PermanentError } from '../failures';
import { controlArgv } from './backend-control';
import { checkedAddress, storageKiBFor } from './provisioning';

void describe('storageKiBFor', () => {
  void it('rounds bytes up to KiB', () => {
    assert.equal(storageKiBFor(1024 * 1024 * 1024), 1024 * 1024);
    assert.equal(storageKiBFor(1025), 2);
  });

  void it("gives Cyrus' largest limit for no limit (0), so usage is still tracked", () => {
    assert.equal(storageKiBFor(0), CYRUS_MAX_STORAGE_KIB);
  });

  void it('refuses a quota Cyrus cannot store', () => {
    assert.throws(() => storageKiBFor(3 * 1024 ** 4), PermanentError);
    assert.equal(storageKiBFor(CYRUS_MAX_STORAGE_KIB * 1024), CYRUS_MAX_STORAGE_KIB);
  });
});

void describe('checkedAddress', () => {
  void it('accepts a canonical address and refuses anything Cyrus could misread', () => {
    assert.equal(checkedAddress('alice@example.com'), 'alice@example.com');
    assert.throws(() => checkedAddress('a/b@example.com'), /invalid address/);
    assert.throws(() => checkedAddress('Alice@example.com'), /canonical/);
    assert.throws(() => checkedAddress('no-domain'), PermanentError);
    // valid for Roost (64 + 1 + 183 characters), too long for Cyrus 3.6
    const long = `${'l'.repeat(64)}@${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(57)}.com`;
    assert.equal(long.length, 248);
    assert.throws(() => checkedAddress(long), /at most 247 characters/);
    assert.equal(checkedAddress(long.slice(1)), long.slice(1));
  });
});

void describe('controlArgv', () => {
  void it('substitutes action and user as whole arguments, never through a shell', () => {
    assert.deepEqual(
      controlArgv(
        ['/bin/cyrus-control', '/etc/imapd.conf', '{action}', '{user}'],
        'deny',
        'a;rm -rf@example.com',
      ),
      ['/bin/cyrus-control', '/etc/imapd.conf', 'deny', 'a;rm -rf@example.com'],
    );
    assert.deepEqual(controlArgv(['ssh', 'b1', 'ctl {action} {user}'], 'allow', 'x@example.com'), [
      'ssh',
      'b1',
      'ctl allow x@example.com',
    ]);
  });
});
