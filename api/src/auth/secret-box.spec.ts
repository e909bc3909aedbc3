import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SecretBox, SecretBoxError } from './secret-box';

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

  void it('reads a legacy plaintext as it is and says so', () => {
    const box = new SecretBox(KEY);
    assert.deepEqual(box.read(SEED, 'totp:7'), { plaintext: SEED, legacy: true });
    assert.deepEqual(box.read(box.seal(SEED, 'totp:7'), 'totp:7'), {
      plaintext: SEED,
      legacy: false,
    });
    assert.equal(SecretBox.isSealed(SEED), false);
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
