import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SecretBox } from '@roost/api';
import { Role } from '@roost/core';
import { generate, generateSecret } from 'otplib';
import request from 'supertest';
import { ApiFixture, seedAdmin, SeededAdmin, startApi } from '../factories/api-fixtures';

// Rotating ROOST_SECRET_KEY: the new key in ROOST_SECRET_KEY, the old one in
// ROOST_SECRET_KEY_PREVIOUS; seeds re-sealed at use or all at once with `cli.js reseal-secrets`.

const CLI = join(__dirname, '..', '..', '..', 'api', 'dist', 'cli.js');
const newKey = () => randomBytes(32).toString('base64');

void describe('ROOST_SECRET_KEY rotation', () => {
  const OLD = newKey();
  const NEW = newKey();
  let f: ApiFixture;

  const reseal = async (env: Record<string, string>) => {
    try {
      const { stdout, stderr } = await promisify(execFile)('node', [CLI, 'reseal-secrets'], {
        env: { ...process.env, DATABASE_URL: f.db.url, ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      return err as { code: number; stdout: string; stderr: string };
    }
  };
  const stored = async (id: number) =>
    (
      await f.pg.query<{ totp_secret: string }>(`SELECT totp_secret FROM admins WHERE id = $1`, [
        id,
      ])
    ).rows[0].totp_secret;
  const withSeed = async (username: string, store: (id: number, seed: string) => string) => {
    const admin = await seedAdmin(f.pg, { role: Role.Support, username });
    const seed = generateSecret();
    await f.pg.query(`UPDATE admins SET totp_secret = $2 WHERE id = $1`, [
      admin.id,
      store(admin.id, seed),
    ]);
    return { admin, seed };
  };
  const sealedUnder = (key: string) => (id: number, seed: string) =>
    new SecretBox(key).seal(seed, `totp:${id}`);
  const opensWithNewKeyAlone = async (admin: SeededAdmin, seed: string) =>
    assert.equal(new SecretBox(NEW).open(await stored(admin.id), `totp:${admin.id}`), seed);

  before(async () => {
    f = await startApi({ ROOST_SECRET_KEY: NEW, ROOST_SECRET_KEY_PREVIOUS: OLD });
  });
  after(() => f.close());

  void it('signs in with a seed sealed under the previous key and seals it under the new one', async () => {
    const { admin, seed } = await withSeed('rot-login', sealedUnder(OLD));
    await request(f.server)
      .post('/api/auth/login')
      .send({
        username: 'rot-login',
        password: admin.password,
        totp: await generate({ secret: seed }),
      })
      .expect(200);
    await opensWithNewKeyAlone(admin, seed);
  });

  void it('reseal-secrets seals every seed under the new key and names those no key opens', async () => {
    const old = await withSeed('rot-old', sealedUnder(OLD));
    const clear = await withSeed('rot-clear', (_, seed) => seed);
    const current = await withSeed('rot-current', sealedUnder(NEW));
    const lost = await withSeed('rot-lost', sealedUnder(newKey()));
    const currentBefore = await stored(current.admin.id);

    const first = await reseal({ ROOST_SECRET_KEY: NEW, ROOST_SECRET_KEY_PREVIOUS: OLD });
    assert.equal(first.code, 1);
    assert.match(
      first.stdout,
      /2 sealed again under key [0-9a-f]{8}, 2 already under it, 1 unreadable/,
    );
    assert.match(first.stderr, new RegExp(`admins ${lost.admin.id}:`));
    for (const { admin, seed } of [old, clear, current]) await opensWithNewKeyAlone(admin, seed);
    assert.equal(await stored(current.admin.id), currentBefore, 'a current seed is left as it is');
    assert.ok(
      !(first.stdout + first.stderr).includes(OLD) && !(first.stdout + first.stderr).includes(NEW),
    );
    const audited = await f.pg.query<{ target_id: string }>(
      `SELECT target_id FROM audit_events WHERE action = 'admin.totp-reseal' ORDER BY target_id::int`,
    );
    assert.deepEqual(
      audited.rows.map((r) => Number(r.target_id)),
      [old.admin.id, clear.admin.id],
    );

    // The lost seed's admin enrols again; then the previous key can go.
    await f.pg.query(`UPDATE admins SET totp_secret = NULL WHERE id = $1`, [lost.admin.id]);
    const second = await reseal({ ROOST_SECRET_KEY: NEW });
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      /0 sealed again under key [0-9a-f]{8}, 4 already under it, 0 unreadable/,
    );
  });

  void it('refuses a malformed key without echoing it', async () => {
    const bad = await reseal({ ROOST_SECRET_KEY: NEW, ROOST_SECRET_KEY_PREVIOUS: `${OLD},oops` });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /32 bytes in base64/);
    assert.ok(!bad.stderr.includes(OLD));
  });
});
