import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { PREVIOUS_KEYS_PATTERN, previousSecretKeys, SecretBox, SecretBoxError } from './secret-box';

const KEY = randomBytes(32).toString('base64');
const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

void describe('SecretBox', () => {
  void it('seals and opens a value; the sealed form does not contain it', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal(SEED, 'totp:7');
    assert.match(sealed, /^v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes(SEED));
    assert.equal(box.open(sealed, 'totp:7'), SEED);
  });

  void it('uses a fresh IV each time', () => {
    const box = new SecretBox(KEY);
    assert.notEqual(box.seal(SEED, 'totp:7'), box.seal(SEED, 'totp:7'));
  });

  void it('refuses another context, another key and a damaged value', () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal(SEED, 'totp:7');
    assert.throws(() => box.open(sealed, 'totp:8'), SecretBoxError);
    assert.throws(
      () => new SecretBox(randomBytes(32).toString('base64')).open(sealed, 'totp:7'),
      /another key/,
    );
    const [v, id, payload] = sealed.split(':');
    const bytes = Buffer.from(payload, 'base64url');
    bytes[14] ^= 1;
    assert.throws(
      () => box.open(`${v}:${id}:${bytes.toString('base64url')}`, 'totp:7'),
      /does not authenticate/,
    );
    assert.throws(() => box.open(`${v}:${id}:AAAA`, 'totp:7'), /too short/);
    assert.throws(() => box.open('v1:x', 'totp:7'), /not a sealed value/);
  });

  void it('reads a legacy plaintext as it is and says it is stale', () => {
    const box = new SecretBox(KEY);
    assert.deepEqual(box.read(SEED, 'totp:7'), { plaintext: SEED, stale: true });
    assert.deepEqual(box.read(box.seal(SEED, 'totp:7'), 'totp:7'), {
      plaintext: SEED,
      stale: false,
    });
    assert.equal(SecretBox.isSealed(SEED), false);
  });

  void it('opens values sealed under a previous key as stale, and seals under the current one', () => {
    const oldKey = randomBytes(32).toString('base64');
    const sealedBefore = new SecretBox(oldKey).seal(SEED, 'totp:7');
    const rotated = new SecretBox(KEY, [oldKey]);
    assert.deepEqual(rotated.read(sealedBefore, 'totp:7'), { plaintext: SEED, stale: true });
    const sealedNow = rotated.seal(SEED, 'totp:7');
    assert.equal(sealedNow.split(':')[1], new SecretBox(KEY).keyId);
    assert.equal(new SecretBox(KEY).open(sealedNow, 'totp:7'), SEED);
    assert.throws(() => new SecretBox(KEY).open(sealedBefore, 'totp:7'), /another key/);
    assert.throws(() => new SecretBox(KEY, ['not-a-key']), /32 bytes in base64/);
  });

  void it('reads ROOST_SECRET_KEY_PREVIOUS as a list', () => {
    const [a, b] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
    assert.deepEqual(previousSecretKeys({}), []);
    assert.deepEqual(previousSecretKeys({ ROOST_SECRET_KEY_PREVIOUS: `${a},${b}` }), [a, b]);
    assert.ok(PREVIOUS_KEYS_PATTERN.test(`${a},${b}`));
    assert.ok(!PREVIOUS_KEYS_PATTERN.test(`${a},`));
    assert.ok(!PREVIOUS_KEYS_PATTERN.test(`${a} ${b}`));
  });

  void it('accepts only 32 bytes of base64', () => {
    for (const bad of [
      '',
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(32).toString('base64url'),
      randomBytes(32).toString('hex'),
    ])
      assert.throws(() => new SecretBox(bad), /32 bytes in base64/);
  });
});
