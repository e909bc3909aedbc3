import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { md5Crypt } from './md5-crypt';

void describe('md5Crypt', () => {
  // Vectors produced with `openssl passwd -1 -salt <salt> <password>`.
  void it('matches openssl passwd -1', () => {
    assert.equal(md5Crypt('password', '$1$saltsalt$'), '$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/');
    assert.equal(md5Crypt('Tr0ub4dor&3', 'abc'), '$1$abc$KlaIzHMduaHvxDF8jypMo0');
    // UTF-8 bytes and a password longer than one MD5 block.
    assert.equal(
      md5Crypt('pässwörd long enough to pass sixteen bytes', 'x.Y/9'),
      '$1$x.Y/9$YFsVDcumM0E5mnV4magxS/',
    );
  });

  void it('takes the salt from a full hash and ignores what follows it', () => {
    assert.equal(
      md5Crypt('password', '$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/'),
      '$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/',
    );
  });

  void it('differs for a different password', () => {
    assert.notEqual(md5Crypt('passwort', '$1$saltsalt$'), '$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/');
  });
});
