import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Role } from '@roost/core';
import Redis from 'ioredis';
import { generate, generateSecret } from 'otplib';
import request from 'supertest';
import { ApiFixture, as, seedAdmin, SeededAdmin, startApi } from '../factories/api-fixtures';

function sessionCookie(res: request.Response): string | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  return raw?.find((c) => c.startsWith('roost_session='));
}

void describe('admin authentication', () => {
  let f: ApiFixture;
  let admin: SeededAdmin;

  before(async () => {
    f = await startApi({ ROOST_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    admin = await seedAdmin(f.pg, { role: Role.Superadmin, username: 'root' });
  });
  after(() => f.close());

  void it('answers /health with the database and Redis up, outside /api', async () => {
    const res = await request(f.server).get('/health').expect(200);
    assert.equal(res.body.status, 'ok');
    assert.equal(res.body.info.database.status, 'up');
    assert.equal(res.body.info.redis.status, 'up');
    await request(f.server).get('/api/health').expect(404);
  });

  void it('serves the OpenAPI document at /api/docs', async () => {
    await request(f.server).get('/api/docs').expect(200).expect('Content-Type', /html/);
    const doc = await request(f.server).get('/api/docs-json').expect(200);
    assert.ok(doc.body.paths['/api/mailboxes']);
    assert.ok(doc.body.paths['/api/auth/login']);
  });

  void it('refuses API routes without credentials, and unknown routes with a JSON 404', async () => {
    const res = await request(f.server).get('/api/domains').expect(401);
    assert.equal(res.body.statusCode, 401);
    assert.deepEqual(res.body.errors, []);
    await as(f, admin).get('/api/nothing-here').expect(404).expect('Content-Type', /json/);
  });

  void it('signs in with a httpOnly SameSite=Strict session cookie and signs out', async () => {
    const res = await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'ROOT ', password: admin.password })
      .expect(200);
    assert.equal(res.body.username, 'root');
    assert.equal(res.body.role, 'superadmin');
    const cookie = sessionCookie(res)!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Secure/);
    const value = cookie.split(';')[0];
    const secret = value.slice('roost_session='.length);
    const stored = await f.pg.query(
      `SELECT secret_hash FROM admin_credentials WHERE kind = 'session'`,
    );
    assert.deepEqual(
      stored.rows.map((r) => r.secret_hash),
      [createHash('sha256').update(secret).digest('hex')],
    );
    const me = await request(f.server).get('/api/auth/me').set('Cookie', value).expect(200);
    assert.equal(me.body.via, 'session');
    await request(f.server).post('/api/auth/logout').set('Cookie', value).expect(200);
    await request(f.server).get('/api/auth/me').set('Cookie', value).expect(401);
  });

  void it('answers the same 401 for an unknown user and a wrong password', async () => {
    const unknown = await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'ghost', password: 'whatever-123' });
    const wrong = await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'root', password: 'whatever-123' });
    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    assert.deepEqual(unknown.body, wrong.body);
    assert.equal(sessionCookie(wrong), undefined);
  });

  void it('throttles an account after repeated failures, even with the right password, known or not', async () => {
    const victim = await seedAdmin(f.pg, { role: Role.Ops, username: 'victim' });
    for (let i = 0; i < 3; i++)
      await request(f.server)
        .post('/api/auth/login')
        .send({ username: 'victim', password: 'nope-nope-nope' })
        .expect(401);
    const locked = await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'victim', password: victim.password });
    assert.equal(locked.status, 429);
    assert.ok(locked.body.retryAfterSeconds > 0);
    for (let i = 0; i < 3; i++)
      await request(f.server)
        .post('/api/auth/login')
        .send({ username: 'nobody', password: 'nope-nope-nope' })
        .expect(401);
    await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'nobody', password: 'x' })
      .expect(429);
    // Another account from the same address is not locked.
    await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'root', password: admin.password })
      .expect(200);
  });

  void it('enrols TOTP, then requires a code at login and refuses a replayed one', async () => {
    const user = await seedAdmin(f.pg, { role: Role.Support, username: 'totp-user' });
    const enrol = await as(f, user).post('/api/auth/totp/enrol').expect(201);
    assert.match(enrol.body.uri, /^otpauth:\/\/totp\//);
    await as(f, user).post('/api/auth/totp/confirm').send({ code: '000000' }).expect(400);
    const code = await generate({ secret: enrol.body.secret });
    const me = await as(f, user).post('/api/auth/totp/confirm').send({ code }).expect(200);
    assert.equal(me.body.totpEnrolled, true);

    const noCode = await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'totp-user', password: user.password })
      .expect(401);
    assert.equal(noCode.body.totpRequired, true);
    assert.equal(sessionCookie(noCode), undefined);
    // The code used to confirm cannot be used again.
    const replay = await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'totp-user', password: user.password, totp: code })
      .expect(401);
    assert.equal(replay.body.totpRequired, true);
    await f.pg.query(`DELETE FROM admin_credentials WHERE admin_id = $1 AND kind = 'session'`, [
      user.id,
    ]);
    const next = await generate({
      secret: enrol.body.secret,
      epoch: Math.floor(Date.now() / 1000) + 30,
    });
    const ok = await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'totp-user', password: user.password, totp: next })
      .expect(200);
    assert.ok(sessionCookie(ok));
  });

  void it('keeps TOTP seeds encrypted at rest, in the database and while an enrolment waits', async () => {
    const user = await seedAdmin(f.pg, { role: Role.Support, username: 'totp-sealed' });
    const enrol = await as(f, user).post('/api/auth/totp/enrol').expect(201);
    const seed: string = enrol.body.secret;
    const redis = new Redis(f.redis.url);
    try {
      const pending = await redis.get(`${f.prefix}:totp-pending:${user.id}`);
      assert.ok(pending && !pending.includes(seed), 'the pending seed in Redis is sealed');
    } finally {
      redis.disconnect();
    }
    await as(f, user)
      .post('/api/auth/totp/confirm')
      .send({ code: await generate({ secret: seed }) })
      .expect(200);
    const stored = await f.pg.query<{ totp_secret: string }>(
      `SELECT totp_secret FROM admins WHERE id = $1`,
      [user.id],
    );
    const sealed = stored.rows[0].totp_secret;
    assert.match(sealed, /^v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes(seed), 'the stored value is not the seed');
    assert.ok(
      !Buffer.from(sealed.split(':')[2], 'base64url').toString('latin1').includes(seed),
      'nor does it hold the seed in another encoding',
    );
    // Login with a code still works (the code used to confirm is spent: take the next one).
    const next = await generate({ secret: seed, epoch: Math.floor(Date.now() / 1000) + 30 });
    const ok = await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'totp-sealed', password: user.password, totp: next })
      .expect(200);
    assert.ok(sessionCookie(ok));
    assert.equal(ok.body.totpEnrolled, true);
  });

  void it('accepts a seed stored in clear before encryption and seals it at its first use', async () => {
    const user = await seedAdmin(f.pg, { role: Role.Support, username: 'totp-legacy' });
    const seed = generateSecret();
    await f.pg.query(`UPDATE admins SET totp_secret = $2 WHERE id = $1`, [user.id, seed]);
    const login = (totp: string) =>
      request(f.server)
        .post('/api/auth/login')
        .send({ username: 'totp-legacy', password: user.password, totp });
    await login('000000').expect(401);
    const still = await f.pg.query(`SELECT totp_secret FROM admins WHERE id = $1`, [user.id]);
    assert.equal(still.rows[0].totp_secret, seed, 'a failed login changes nothing');
    await login(await generate({ secret: seed })).expect(200);
    const resealed = await f.pg.query<{ totp_secret: string }>(
      `SELECT totp_secret FROM admins WHERE id = $1`,
      [user.id],
    );
    assert.match(resealed.rows[0].totp_secret, /^v1:/);
    assert.ok(!resealed.rows[0].totp_secret.includes(seed));
    await login(await generate({ secret: seed, epoch: Math.floor(Date.now() / 1000) + 30 })).expect(
      200,
    );
  });

  void it('lets an admin whose TOTP is required but not enrolled do nothing but enrol', async () => {
    const user = await seedAdmin(f.pg, {
      role: Role.Ops,
      username: 'must-enrol',
      totpRequired: true,
    });
    const login = await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'must-enrol', password: user.password })
      .expect(200);
    assert.equal(login.body.mustEnrolTotp, true);
    const cookie = sessionCookie(login)!.split(';')[0];
    const refused = await request(f.server).get('/api/backends').set('Cookie', cookie).expect(403);
    assert.match(refused.body.message, /TOTP/);
    await request(f.server).get('/api/auth/me').set('Cookie', cookie).expect(200);
    const enrol = await request(f.server)
      .post('/api/auth/totp/enrol')
      .set('Cookie', cookie)
      .expect(201);
    const code = await generate({ secret: enrol.body.secret });
    await request(f.server)
      .post('/api/auth/totp/confirm')
      .set('Cookie', cookie)
      .send({ code })
      .expect(200);
    await request(f.server).get('/api/backends').set('Cookie', cookie).expect(200);
  });

  void it('issues personal API tokens shown once, stored hashed, scoped like the owner and revocable', async () => {
    const ops = await seedAdmin(f.pg, { role: Role.Ops });
    const created = await as(f, ops)
      .post('/api/auth/tokens')
      .send({ name: 'ci', expiresInDays: 30 })
      .expect(201);
    const token: string = created.body.token;
    assert.match(token, /^rt_/);
    const stored = await f.pg.query(
      `SELECT secret_hash, prefix FROM admin_credentials WHERE id = $1`,
      [created.body.id],
    );
    assert.equal(stored.rows[0].secret_hash, createHash('sha256').update(token).digest('hex'));
    const list = await as(f, ops).get('/api/auth/tokens').expect(200);
    assert.ok(
      list.body.every(
        (t: Record<string, unknown>) => t.token === undefined && !('secretHash' in t),
      ),
    );

    await request(f.server)
      .get('/api/backends')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    await request(f.server).get('/api/admins').set('Authorization', `Bearer ${token}`).expect(403);
    await as(f, ops).delete(`/api/auth/tokens/${created.body.id}`).expect(200);
    await request(f.server)
      .get('/api/backends')
      .set('Authorization', `Bearer ${token}`)
      .expect(401);
    // Someone else's token id is not found.
    await as(f, admin).delete(`/api/auth/tokens/${created.body.id}`).expect(404);
  });

  void it('changes its own password and audits it without the secret', async () => {
    const user = await seedAdmin(f.pg, { role: Role.Support, username: 'changer' });
    await as(f, user)
      .post('/api/auth/password')
      .send({ currentPassword: 'wrong-wrong-1', newPassword: 'Another-long-pass-1' })
      .expect(400);
    const weak = await as(f, user)
      .post('/api/auth/password')
      .send({ currentPassword: user.password, newPassword: 'short' })
      .expect(400);
    assert.equal(weak.body.errors[0].field, 'newPassword');
    await as(f, user)
      .post('/api/auth/password')
      .send({ currentPassword: user.password, newPassword: 'Another-long-pass-1' })
      .expect(200);
    await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'changer', password: 'Another-long-pass-1' })
      .expect(200);
    const audit = await f.pg.query(
      `SELECT after, before FROM audit_events WHERE action = 'admin.password-change'`,
    );
    assert.equal(audit.rowCount, 1);
    assert.doesNotMatch(JSON.stringify(audit.rows), /Another-long-pass-1|argon2/);
  });
});
