import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { hashPassword, isParsedHash, needsRehash, parseHash, verifyParsed } from './password-hash';

async function verify(stored: string, password: string): Promise<boolean> {
  const parsed = parseHash(stored);
  assert.ok(isParsedHash(parsed), `unparsed: ${stored}`);
  return verifyParsed(parsed, password);
}

function salted(alg: 'sha1' | 'sha512', password: string, salt: Buffer): string {
  const digest = createHash(alg).update(password).update(salt).digest();
  return Buffer.concat([digest, salt]).toString('base64');
}

// Vectors from Python's crypt(3) and `openssl passwd -1/-5/-6 -salt saltsalt password`.
const SHA512 =
  '$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/';
const SHA256 = '$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.';
const MD5 = '$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/';
const BLF = '$2b$04$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm';

void describe('password hashes', () => {
  void it('hashes new passwords with argon2id and verifies them', async () => {
    const h = await hashPassword('correct horse battery');
    assert.match(h, /^\{ARGON2ID\}\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verify(h, 'correct horse battery'), true);
    assert.equal(await verify(h, 'correct horse batterY'), false);
    assert.equal(needsRehash(h), false);
  });

  void it('accepts a bare $argon2id$ hash but asks for a rehash to the prefixed form', async () => {
    const h = (await hashPassword('correct horse battery')).slice('{ARGON2ID}'.length);
    assert.equal(await verify(h, 'correct horse battery'), true);
    assert.equal(needsRehash(h), true);
  });

  void it('verifies the legacy crypt schemes', async () => {
    for (const [stored, scheme] of [
      [`{SHA512-CRYPT}${SHA512}`, 'SHA512-CRYPT'],
      [`{SHA256-CRYPT}${SHA256}`, 'SHA256-CRYPT'],
      [`{MD5-CRYPT}${MD5}`, 'MD5-CRYPT'],
      [`{BLF-CRYPT}${BLF}`, 'BLF-CRYPT'],
      [`{BLF-CRYPT}${BLF.replace('$2b$', '$2y$')}`, 'BLF-CRYPT'],
      [`{CRYPT}${SHA512}`, 'SHA512-CRYPT'],
      [`{CRYPT}${MD5}`, 'MD5-CRYPT'],
    ]) {
      const parsed = parseHash(stored);
      assert.ok(isParsedHash(parsed));
      assert.equal(parsed.scheme, scheme);
      assert.equal(await verify(stored, 'password'), true, stored);
      assert.equal(await verify(stored, 'Password'), false, stored);
      assert.equal(needsRehash(stored), true);
    }
  });

  void it('verifies salted SHA-1 and SHA-512', async () => {
    const salt = Buffer.from('8bytes!!');
    for (const stored of [
      `{SSHA}${salted('sha1', 'secret pass', salt)}`,
      `{SSHA512}${salted('sha512', 'secret pass', salt)}`,
    ]) {
      assert.equal(await verify(stored, 'secret pass'), true);
      assert.equal(await verify(stored, 'secret pasS'), false);
    }
  });

  void it('refuses unknown schemes and malformed hashes with a reason', () => {
    for (const bad of [
      'plain',
      '{PLAIN}secret',
      '{MD5}X03MO1qnZdYdgyfeuILPmQ==',
      '{SHA512-CRYPT}$1$abc$def',
      '{SSHA}not base64!',
      '{SSHA}AAAA',
      '{BLF-CRYPT}$2b$04$short',
      '{ARGON2ID}$argon2i$v=19$m=1,t=1,p=1$aa$bb',
    ]) {
      const parsed = parseHash(bad);
      assert.ok(!isParsedHash(parsed), bad);
      assert.equal(needsRehash(bad), true);
    }
  });

  void it('asks for a rehash of weaker argon2id parameters', () => {
    assert.equal(
      needsRehash('{ARGON2ID}$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo'),
      true,
    );
  });
});
