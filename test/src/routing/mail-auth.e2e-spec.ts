import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashPassword } from '@roost/api';
import { BackendState, MailboxState } from '@roost/core';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { startRedis, type TestRedis } from '../harness/redis';
import {
  insertBackend,
  insertDomain,
  insertMailbox,
  setBackendState,
  setMailboxState,
} from '../factories/routing-fixtures';
import { startRoostApi, type RunningApi } from './roost-api';

// The mail-auth endpoints over real HTTP, exactly as nginx (auth_http), the backends' PAM check
// and webmail call them. The real programs calling them: mail-proxy and backend-auth e2e specs.

const SECRET_HEADER = 'X-Roost-Mail-Auth';

/** {SSHA} as Dovecot writes it: base64(sha1(password + salt) + salt). */
function sshaHash(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** nginx's escaping of Auth-User/Auth-Pass (ngx_escape_uri, NGX_ESCAPE_MAIL_AUTH). */
function nginxEscape(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) =>
      b <= 0x20 || b >= 0x7f || '%"\'\\{}'.includes(String.fromCharCode(b))
        ? `%${b.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(b),
    )
    .join('');
}

interface NginxAsk {
  user: string;
  pass: string;
  protocol?: 'imap' | 'pop3' | 'smtp';
  method?: string;
  attempt?: number;
  ip?: string;
}

void describe('mail-auth endpoints', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let pg: Pool;
  let api: RunningApi;
  let domainId: number;
  let backendId: number;
  let otherBackendId: number;
  const password = 'Correct-Horse-42';

  const ask = async (a: NginxAsk) => {
    const res = await fetch(api.nginxAuthUrl, {
      headers: {
        [SECRET_HEADER]: api.secret,
        'Auth-Method': a.method ?? 'plain',
        'Auth-User': nginxEscape(a.user),
        'Auth-Pass': nginxEscape(a.pass),
        'Auth-Protocol': a.protocol ?? 'imap',
        'Auth-Login-Attempt': String(a.attempt ?? 1),
        'Client-IP': a.ip ?? '192.0.2.10',
        'Client-Host': '[UNAVAILABLE]',
      },
    });
    assert.equal(res.status, 200);
    return {
      status: res.headers.get('auth-status'),
      server: res.headers.get('auth-server'),
      port: res.headers.get('auth-port'),
      user: res.headers.get('auth-user'),
      wait: res.headers.get('auth-wait'),
    };
  };

  const verify = (body: Record<string, string>) =>
    fetch(api.verifyUrl, {
      method: 'POST',
      headers: { [SECRET_HEADER]: api.secret, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  let seq = 0;
  const mailbox = async (
    opts: { hash?: string; state?: MailboxState; backendId?: number; domainId?: number } = {},
  ) => {
    const localPart = `user${++seq}`;
    const id = await insertMailbox(pg, {
      domainId: opts.domainId ?? domainId,
      localPart,
      backendId: opts.backendId ?? backendId,
      state: opts.state,
      passwordHash: opts.hash ?? (await hashPassword(password)),
    });
    return { id, address: `${localPart}@auth.example` };
  };

  before(async () => {
    db = await createTestDatabase({ prefix: 'roost_mailauth' });
    redis = await startRedis();
    pg = new Pool({ connectionString: db.url, max: 2 });
    api = await startRoostApi({ databaseUrl: db.url, redisUrl: redis.url });
    backendId = await insertBackend(pg, { name: 'imap-a', imapHost: '10.1.2.3', imapPort: 1143 });
    await pg.query('UPDATE backends SET pop3_port = 1110, sieve_port = 4190 WHERE id = $1', [
      backendId,
    ]);
    otherBackendId = await insertBackend(pg, { name: 'imap-b', imapHost: 'localhost' });
    domainId = await insertDomain(pg, { name: 'auth.example' });
  });

  after(async () => {
    await api?.close();
    await pg?.end();
    await db?.drop();
    await redis?.stop();
  });

  void test('every endpoint wants the shared secret', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { [SECRET_HEADER]: 'wrong-secret-of-some-length' },
    ];
    for (const headers of attempts) {
      const nginx = await fetch(api.nginxAuthUrl, { headers });
      assert.equal(nginx.status, 403);
      assert.equal(nginx.headers.get('auth-status'), null);
      const lookup = await fetch(`${api.lookupUrl}?user=x@auth.example`, { headers });
      assert.equal(lookup.status, 403);
      const verified = await fetch(api.verifyUrl, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: 'x@auth.example', password: 'x' }),
      });
      assert.equal(verified.status, 403);
    }
  });

  void test('OK routes IMAP and POP3 to the backend, with the lower-cased login', async () => {
    const { address } = await mailbox();
    const typed = address.replace('user', 'USER').replace('auth.example', 'Auth.Example');
    assert.deepEqual(await ask({ user: typed, pass: password }), {
      status: 'OK',
      server: '10.1.2.3',
      port: '1143',
      user: address,
      wait: null,
    });
    const pop3 = await ask({ user: address, pass: password, protocol: 'pop3', method: 'login' });
    assert.deepEqual([pop3.status, pop3.server, pop3.port], ['OK', '10.1.2.3', '1110']);
  });

  void test('a password with spaces, quotes, % and braces survives nginx escaping', async () => {
    const special = 'p a%20ss"x\\y{3}';
    const { address } = await mailbox({ hash: await hashPassword(special) });
    assert.equal((await ask({ user: address, pass: special })).status, 'OK');
    assert.notEqual((await ask({ user: address, pass: 'p a ss"x\\y{3}' })).status, 'OK');
  });

  void test('a backend registered by host name is answered with its IP', async () => {
    const { address } = await mailbox({ backendId: otherBackendId });
    const answer = await ask({ user: address, pass: password });
    assert.equal(answer.status, 'OK');
    assert.match(answer.server ?? '', /^(127\.0\.0\.1|::1)$/);
  });

  void test('a wrong password or unknown user fails with a delay; after 10 attempts nginx closes', async () => {
    const { address } = await mailbox();
    for (const user of [address, 'nobody@auth.example', 'not-an-address']) {
      const answer = await ask({ user, pass: 'wrong', ip: '192.0.2.20' });
      assert.match(answer.status ?? '', /Invalid login or password/);
      assert.equal(answer.wait, '3');
      assert.equal(answer.server, null);
    }
    const last = await ask({ user: address, pass: 'wrong', attempt: 10, ip: '192.0.2.20' });
    assert.match(last.status ?? '', /Invalid login or password/);
    assert.equal(last.wait, null);
  });

  void test('suspended, deleting and inactive mailboxes fail; frozen and provisioning ones WAIT', async () => {
    for (const state of [MailboxState.Suspended, MailboxState.Deleting]) {
      const { address } = await mailbox({ state });
      const answer = await ask({ user: address, pass: password });
      assert.match(answer.status ?? '', /Account disabled/);
      assert.equal(answer.wait, null);
    }
    const inactive = await mailbox();
    await pg.query('UPDATE mailboxes SET active = false WHERE id = $1', [inactive.id]);
    assert.match((await ask({ user: inactive.address, pass: password })).status ?? '', /disabled/);

    for (const state of [MailboxState.Frozen, MailboxState.Provisioning]) {
      const { address } = await mailbox({ state });
      assert.deepEqual(await ask({ user: address, pass: password }), {
        status: 'WAIT',
        server: null,
        port: null,
        user: null,
        wait: '1',
      });
      // A wrong password never learns that the mailbox is frozen.
      assert.match((await ask({ user: address, pass: 'x' })).status ?? '', /Invalid/);
    }
  });

  void test('a login held longer than 20 s gets a temporary failure instead', async () => {
    const { address } = await mailbox({ state: MailboxState.Frozen });
    const ip = '192.0.2.99';
    assert.equal((await ask({ user: address, pass: password, ip })).status, 'WAIT');
    await sleep(20_500); // nginx would have re-asked every second meanwhile
    const late = await ask({ user: address, pass: password, ip, attempt: 1 });
    assert.equal(late.status, '[UNAVAILABLE] Mailbox is being moved, try again in a minute');
    assert.equal(late.wait, '3');
    // The same user from another address is held afresh.
    assert.equal((await ask({ user: address, pass: password, ip: '192.0.2.98' })).status, 'WAIT');
  });

  void test('a backend that is down gives a temporary failure with Auth-Wait', async () => {
    const downId = await insertBackend(pg, { name: 'imap-down', imapHost: '10.9.9.9' });
    const { address } = await mailbox({ backendId: downId });
    await setBackendState(pg, downId, BackendState.Down);
    const answer = await ask({ user: address, pass: password });
    assert.match(answer.status ?? '', /^\[UNAVAILABLE\]/);
    assert.equal(answer.wait, '5');
  });

  void test('only plain/login and IMAP/POP3 are served', async () => {
    const { address } = await mailbox();
    assert.doesNotMatch(
      (await ask({ user: address, pass: password, method: 'cram-md5' })).status ?? '',
      /^OK$/,
    );
    assert.doesNotMatch(
      (await ask({ user: address, pass: password, protocol: 'smtp' })).status ?? '',
      /^OK$/,
    );
  });

  void test('a legacy hash is replaced by argon2id at the first good login', async () => {
    const { id, address } = await mailbox({ hash: sshaHash(password) });
    assert.equal((await ask({ user: address, pass: 'wrong' })).status?.includes('Invalid'), true);
    const before = await pg.query(
      'SELECT password_hash, last_login_at FROM mailboxes WHERE id = $1',
      [id],
    );
    assert.match(before.rows[0].password_hash, /^\{SSHA\}/);
    assert.equal(before.rows[0].last_login_at, null);

    assert.equal((await ask({ user: address, pass: password })).status, 'OK');
    const { rows } = await pg.query(
      'SELECT password_hash, last_login_at FROM mailboxes WHERE id = $1',
      [id],
    );
    assert.match(rows[0].password_hash, /^\{ARGON2ID\}\$argon2id\$/);
    // last_login_at is written after the answer, batched once a second (it never delays a login)
    for (let i = 0; i < 150 && (await lastLogin(id)) === null; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.notEqual(await lastLogin(id), null);
    assert.equal((await ask({ user: address, pass: password })).status, 'OK');
    assert.equal((await verify({ user: address, password })).status, 200);
  });

  const lastLogin = async (id: number) =>
    (await pg.query('SELECT last_login_at FROM mailboxes WHERE id = $1', [id])).rows[0]
      .last_login_at as Date | null;

  void test('a password changed in Roost counts at once (no stale cached credential)', async () => {
    const { id, address } = await mailbox();
    assert.equal((await ask({ user: address, pass: password })).status, 'OK'); // now cached
    await pg.query('UPDATE mailboxes SET password_hash = $2 WHERE id = $1', [
      id,
      await hashPassword('New-Pass-77'),
    ]);
    assert.match((await ask({ user: address, pass: password })).status ?? '', /Invalid/);
    assert.equal((await ask({ user: address, pass: 'New-Pass-77' })).status, 'OK');
  });

  void test('per-user throttle: after 10 failures even the right password is refused', async () => {
    const { address } = await mailbox();
    for (let i = 0; i < 10; i++) {
      await ask({ user: address, pass: `guess-${i}`, ip: `198.51.100.${i + 1}` });
    }
    const answer = await ask({ user: address, pass: password, ip: '198.51.100.200' });
    assert.match(answer.status ?? '', /Too many failed logins/);
    assert.equal(answer.wait, '3');
    assert.equal((await verify({ user: address, password })).status, 403);
    // Other users are not affected.
    assert.equal(
      (await ask({ user: (await mailbox()).address, pass: password, ip: '198.51.100.200' })).status,
      'OK',
    );
  });

  void test('per-IP throttle: 100 failures from one address block it, not the others', async () => {
    const ip = '203.0.113.66';
    const guesses = Array.from({ length: 100 }, (_, i) => `victim${i}@auth.example`);
    for (let i = 0; i < guesses.length; i += 4) {
      await Promise.all(guesses.slice(i, i + 4).map((user) => ask({ user, pass: 'guess', ip })));
    }
    const { address } = await mailbox();
    assert.match((await ask({ user: address, pass: password, ip })).status ?? '', /Too many/);
    assert.equal((await ask({ user: address, pass: password, ip: '203.0.113.67' })).status, 'OK');
  });

  void test('verify: 200 for the right password, 403 otherwise; hex encoding; backend check', async () => {
    const { address } = await mailbox();
    assert.equal((await verify({ user: address, password })).status, 200);
    assert.equal((await verify({ user: address.toUpperCase(), password })).status, 200);
    assert.equal((await verify({ user: address, password: 'nope' })).status, 403);
    const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
    assert.equal(
      (await verify({ encoding: 'hex', user: hex(address), password: hex(password) })).status,
      200,
    );
    assert.equal(
      (await verify({ encoding: 'hex', user: hex(address), password: 'zz' })).status,
      400,
    );
    assert.equal(
      (await verify({ user: address, password, backend: 'imap-a', service: 'imap' })).status,
      200,
    );
    assert.equal((await verify({ user: address, password, backend: 'imap-b' })).status, 403);

    const frozen = await mailbox({ state: MailboxState.Frozen });
    assert.equal((await verify({ user: frozen.address, password })).status, 403);
    const suspended = await mailbox();
    await setMailboxState(pg, suspended.id, MailboxState.Suspended);
    assert.equal((await verify({ user: suspended.address, password })).status, 403);
  });

  void test('lookup: the backend of a user for webmail, 404 for an unknown one', async () => {
    const { address } = await mailbox();
    const res = await fetch(`${api.lookupUrl}?user=${encodeURIComponent(address.toUpperCase())}`, {
      headers: { [SECRET_HEADER]: api.secret },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      user: address,
      available: true,
      state: 'active',
      backend: {
        name: 'imap-a',
        host: '10.1.2.3',
        imapPort: 1143,
        pop3Port: 1110,
        sievePort: 4190,
        tlsMode: 'none',
        state: 'active',
      },
    });
    const missing = await fetch(`${api.lookupUrl}?user=ghost@auth.example`, {
      headers: { [SECRET_HEADER]: api.secret },
    });
    assert.equal(missing.status, 404);
  });
});
