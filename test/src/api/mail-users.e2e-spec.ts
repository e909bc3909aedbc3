import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MailUserService } from '@roost/api';
import { Role } from '@roost/core';
import request from 'supertest';
import {
  ApiFixture,
  as,
  seedAdmin,
  SeededAdmin,
  seedBackend,
  seedDomain,
  seedMailbox,
  startApi,
} from '../factories/api-fixtures';

function ssha(alg: 'sha1' | 'sha512', password: string): string {
  const salt = Buffer.from('NaCl-salt');
  return Buffer.concat([createHash(alg).update(password).update(salt).digest(), salt]).toString(
    'base64',
  );
}

// Each verifies 'password' (vectors from Python crypt(3) and openssl passwd).
const LEGACY: [string, string][] = [
  [
    'SHA512-CRYPT',
    '{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/',
  ],
  ['SHA256-CRYPT', '{SHA256-CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.'],
  ['BLF-CRYPT', '{BLF-CRYPT}$2y$04$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm'],
  ['MD5-CRYPT', '{MD5-CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/'],
  ['SSHA', `{SSHA}${ssha('sha1', 'password')}`],
  ['SSHA512', `{SSHA512}${ssha('sha512', 'password')}`],
];

const MAIL_AUTH_SECRET = 'mail-auth-secret-for-tests';

void describe('mail-user passwords', () => {
  let f: ApiFixture;
  let root: SeededAdmin;
  let da: SeededAdmin;
  let support: SeededAdmin;
  let ops: SeededAdmin;
  let example: number;
  let other: number;
  let backend: number;

  before(async () => {
    f = await startApi({
      ROOST_LOGIN_MAX_FAILURES_PER_ACCOUNT: '4',
      ROOST_MAIL_AUTH_SECRET: MAIL_AUTH_SECRET,
    });
    backend = await seedBackend(f.pg);
    example = await seedDomain(f.pg, { name: 'example.com' });
    other = await seedDomain(f.pg, { name: 'other.net' });
    root = await seedAdmin(f.pg, { role: Role.Superadmin });
    da = await seedAdmin(f.pg, { role: Role.DomainAdmin, domainIds: [example] });
    support = await seedAdmin(f.pg, { role: Role.Support, domainIds: [example] });
    ops = await seedAdmin(f.pg, { role: Role.Ops });
  });
  after(() => f.close());

  void it('sets a temporary password the user must change, audited without the secret', async () => {
    const id = await seedMailbox(f.pg, {
      domainId: example,
      address: 'temp@example.com',
      backendId: backend,
    });
    const res = await as(f, da)
      .post(`/api/mailboxes/${id}/password-reset`)
      .send({ mode: 'temporary' })
      .expect(200);
    assert.equal(res.body.mustChange, true);
    const password: string = res.body.password;
    assert.equal(password.length, 20);
    const row = await f.pg.query(
      `SELECT password_hash, password_must_change FROM mailboxes WHERE id = $1`,
      [id],
    );
    assert.equal(row.rows[0].password_must_change, true);
    assert.match(row.rows[0].password_hash, /^\{ARGON2ID\}/);
    const audit = await f.pg.query(
      `SELECT * FROM audit_events WHERE action = 'mailbox.password-reset' AND target_id = $1`,
      [String(id)],
    );
    assert.equal(audit.rowCount, 1);
    assert.ok(!JSON.stringify(audit.rows[0]).includes(password));
    assert.doesNotMatch(JSON.stringify(audit.rows[0]), /argon2/);

    // The user replaces it with their own; the must-change flag goes.
    await request(f.server)
      .post('/api/mail-users/password')
      .send({
        address: 'temp@example.com',
        currentPassword: password,
        newPassword: 'My-own-secret-77',
      })
      .expect(200);
    const after = await f.pg.query(`SELECT password_must_change FROM mailboxes WHERE id = $1`, [
      id,
    ]);
    assert.equal(after.rows[0].password_must_change, false);
    const given = await as(f, root)
      .post(`/api/mailboxes/${id}/password-reset`)
      .send({ mode: 'temporary', password: 'Chosen-by-admin-5' })
      .expect(200);
    assert.equal(given.body.password, undefined);
    const weak = await as(f, root)
      .post(`/api/mailboxes/${id}/password-reset`)
      .send({ mode: 'temporary', password: 'temp1234567' })
      .expect(400);
    assert.equal(weak.body.errors[0].field, 'password');
  });

  void it('requires a reason from support, and keeps support and domain admins in their domains', async () => {
    const id = await seedMailbox(f.pg, {
      domainId: example,
      address: 'helpme@example.com',
      backendId: backend,
    });
    const foreign = await seedMailbox(f.pg, {
      domainId: other,
      address: 'helpme@other.net',
      backendId: backend,
    });
    const noReason = await as(f, support)
      .post(`/api/mailboxes/${id}/password-reset`)
      .send({ mode: 'link' })
      .expect(400);
    assert.equal(noReason.body.errors[0].field, 'reason');
    await as(f, support)
      .post(`/api/mailboxes/${id}/password-reset`)
      .send({ mode: 'link', reason: 'ticket #1234' })
      .expect(200);
    const audit = await f.pg.query(
      `SELECT reason, role FROM audit_events WHERE action = 'mailbox.password-reset-link' AND target_id = $1`,
      [String(id)],
    );
    assert.deepEqual(audit.rows, [{ reason: 'ticket #1234', role: 'support' }]);
    await as(f, support)
      .post(`/api/mailboxes/${foreign}/password-reset`)
      .send({ mode: 'link', reason: 'x123' })
      .expect(404);
    await as(f, da)
      .post(`/api/mailboxes/${foreign}/password-reset`)
      .send({ mode: 'link' })
      .expect(404);
    await as(f, ops).post(`/api/mailboxes/${id}/password-reset`).send({ mode: 'link' }).expect(403);
  });

  void it('issues a single-use, expiring reset link whose token is stored hashed', async () => {
    const id = await seedMailbox(f.pg, {
      domainId: example,
      address: 'linked@example.com',
      backendId: backend,
    });
    const res = await as(f, da)
      .post(`/api/mailboxes/${id}/password-reset`)
      .send({ mode: 'link' })
      .expect(200);
    const url: string = res.body.url;
    assert.match(url, /^https:\/\/console\.test\/reset-password#token=rr_/);
    const token = url.slice(url.indexOf('token=') + 6);
    const stored = await f.pg.query(
      `SELECT token_hash FROM password_resets WHERE mailbox_id = $1`,
      [id],
    );
    assert.deepEqual(
      stored.rows.map((r) => r.token_hash),
      [createHash('sha256').update(token).digest('hex')],
    );
    const check = await request(f.server)
      .post('/api/mail-users/password/reset/check')
      .send({ token })
      .expect(200);
    assert.equal(check.body.address, 'linked@example.com');
    const weak = await request(f.server)
      .post('/api/mail-users/password/reset')
      .send({ token, newPassword: 'linked-123456' })
      .expect(400);
    assert.equal(weak.body.errors[0].field, 'newPassword');
    await request(f.server)
      .post('/api/mail-users/password/reset')
      .send({ token, newPassword: 'Brand-new-pass-8' })
      .expect(200);
    const used = await request(f.server)
      .post('/api/mail-users/password/reset')
      .send({ token, newPassword: 'Brand-new-pass-9' })
      .expect(400);
    assert.equal(used.body.errors[0].field, 'token');
    const mail = f.app.get(MailUserService);
    assert.equal((await mail.authenticate('linked@example.com', 'Brand-new-pass-8')).ok, true);

    // An expired link is refused; a newer link spends the older one.
    const second = await as(f, da)
      .post(`/api/mailboxes/${id}/password-reset`)
      .send({ mode: 'link' })
      .expect(200);
    const third = await as(f, da)
      .post(`/api/mailboxes/${id}/password-reset`)
      .send({ mode: 'link' })
      .expect(200);
    const t2 = (second.body.url as string).split('token=')[1];
    const t3 = (third.body.url as string).split('token=')[1];
    await request(f.server)
      .post('/api/mail-users/password/reset/check')
      .send({ token: t2 })
      .expect(400);
    await f.pg.query(
      `UPDATE password_resets SET expires_at = now() - interval '1 minute' WHERE mailbox_id = $1`,
      [id],
    );
    await request(f.server)
      .post('/api/mail-users/password/reset')
      .send({ token: t3, newPassword: 'Brand-new-pass-9' })
      .expect(400);
    await request(f.server)
      .post('/api/mail-users/password/reset/check')
      .send({ token: 'not-a-token' })
      .expect(400);
  });

  void it('answers the same 401 for a wrong password and an unknown address, and throttles', async () => {
    const id = await seedMailbox(f.pg, {
      domainId: example,
      address: 'self@example.com',
      backendId: backend,
    });
    await as(f, root)
      .post(`/api/mailboxes/${id}/password-reset`)
      .send({ mode: 'temporary', password: 'Known-secret-44' })
      .expect(200);
    const wrong = await request(f.server).post('/api/mail-users/password').send({
      address: 'self@example.com',
      currentPassword: 'not-it-at-all',
      newPassword: 'Another-secret-45',
    });
    const unknown = await request(f.server).post('/api/mail-users/password').send({
      address: 'nobody@example.com',
      currentPassword: 'not-it-at-all',
      newPassword: 'Another-secret-45',
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    const same = await request(f.server)
      .post('/api/mail-users/password')
      .send({
        address: 'self@example.com',
        currentPassword: 'Known-secret-44',
        newPassword: 'Known-secret-44',
      })
      .expect(400);
    assert.match(same.body.errors[0].reason, /differ/);
    // The good password above reset the account's counter: four more failures lock it.
    for (let i = 0; i < 4; i++)
      await request(f.server)
        .post('/api/mail-users/password')
        .send({
          address: 'self@example.com',
          currentPassword: 'not-it-at-all',
          newPassword: 'Another-secret-45',
        })
        .expect(401);
    await request(f.server)
      .post('/api/mail-users/password')
      .send({
        address: 'self@example.com',
        currentPassword: 'Known-secret-44',
        newPassword: 'Another-secret-45',
      })
      .expect(429);
  });

  void it('verifies imported legacy hashes and re-hashes them to argon2id at the next good login', async () => {
    const mail = f.app.get(MailUserService);
    for (const [scheme, hash] of LEGACY) {
      const address = `legacy-${scheme.toLowerCase()}@example.com`;
      const created = await as(f, da)
        .post('/api/mailboxes')
        .send({ address, passwordHash: hash })
        .expect(201);
      assert.deepEqual(await mail.authenticate(address, 'wrong'), { ok: false, rehashed: false });
      const first = await mail.authenticate(address, 'password');
      assert.deepEqual(first, { ok: true, rehashed: true, mailboxId: created.body.id }, scheme);
      const row = await f.pg.query(`SELECT password_hash FROM mailboxes WHERE id = $1`, [
        created.body.id,
      ]);
      assert.match(
        row.rows[0].password_hash,
        /^\{ARGON2ID\}\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
        scheme,
      );
      assert.deepEqual(await mail.authenticate(address, 'password'), {
        ok: true,
        rehashed: false,
        mailboxId: created.body.id,
      });
    }
  });

  void it('unlocks a mail login the mail-auth throttle blocked, audited, with a reason from support', async () => {
    const id = await seedMailbox(f.pg, {
      domainId: example,
      address: 'locked@example.com',
      backendId: backend,
    });
    await as(f, root)
      .post(`/api/mailboxes/${id}/password-reset`)
      .send({ mode: 'temporary', password: 'Right-password-31' })
      .expect(200);
    const verify = (password: string) =>
      request(f.server)
        .post('/api/mail-auth/verify')
        .set('X-Roost-Mail-Auth', MAIL_AUTH_SECRET)
        .send({ user: 'locked@example.com', password });
    for (let i = 0; i < 10; i++) await verify('wrong-password-0').expect(403);
    await verify('Right-password-31').expect(403);
    await as(f, support).post(`/api/mailboxes/${id}/unlock`).send({}).expect(400);
    await as(f, ops).post(`/api/mailboxes/${id}/unlock`).send({ reason: 'x' }).expect(403);
    const res = await as(f, support)
      .post(`/api/mailboxes/${id}/unlock`)
      .send({ reason: 'ticket 99' })
      .expect(200);
    assert.equal(res.body.failures, 10);
    await verify('Right-password-31').expect(200);
    const audit = await f.pg.query(
      `SELECT role, reason FROM audit_events WHERE action = 'mailbox.unlock' AND target_id = $1`,
      [String(id)],
    );
    assert.deepEqual(audit.rows, [{ role: 'support', reason: 'ticket 99' }]);
    const foreign = await seedMailbox(f.pg, {
      domainId: other,
      address: 'locked@other.net',
      backendId: backend,
    });
    await as(f, da).post(`/api/mailboxes/${foreign}/unlock`).send({}).expect(404);
  });
});
