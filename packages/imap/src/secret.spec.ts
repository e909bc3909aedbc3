import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SecretRefError, parseSecretRef, resolveSecret } from './secret';

void describe('resolveSecret', () => {
  void it('reads env: references from the given environment', async () => {
    assert.equal(await resolveSecret('env:CYRUS_ADMIN_PW', { CYRUS_ADMIN_PW: 's3cret' }), 's3cret');
  });

  void it('reads file: references and drops one trailing newline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roost-secret-'));
    try {
      await writeFile(join(dir, 'pw'), 'from-file\n');
      assert.equal(await resolveSecret(`file:${join(dir, 'pw')}`), 'from-file');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('refuses unset, empty and unreadable secrets without showing a value', async () => {
    await assert.rejects(resolveSecret('env:NOPE', {}), SecretRefError);
    await assert.rejects(
      resolveSecret('env:EMPTY', { EMPTY: '' }),
      /env:EMPTY" is empty or not set/,
    );
    await assert.rejects(
      resolveSecret('file:/nonexistent/roost-pw'),
      /cannot read the file \(ENOENT\)/,
    );
  });

  void it('refuses references of an unknown kind, relative paths and bad variable names', () => {
    assert.throws(() => parseSecretRef('plain-password'), /must start with env: or file:/);
    assert.throws(() => parseSecretRef('file:pw.txt'), /absolute/);
    assert.throws(() => parseSecretRef('env:A-B'), /not an environment variable name/);
  });
});
