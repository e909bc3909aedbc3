import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashPassword } from '@roost/api';
import { MailboxState } from '@roost/core';
import { Pool } from 'pg';
import { startCyrus, stopAllCyrus, type CyrusInstance } from '../harness/cyrus';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { startRedis, type TestRedis } from '../harness/redis';
import {
  insertBackend,
  insertDomain,
  insertMailbox,
  setMailboxState,
} from '../factories/routing-fixtures';
import {
  createInbox,
  imapLogin,
  pop3Login,
  servedBy,
  sieveLogin,
  withImapFlow,
} from './mail-clients';
import { startRoostApi, type RunningApi } from './roost-api';

// A mail user logging in to a backend directly is checked against Roost: imapd/pop3d/timsieved
// -> libsasl (auxprop, then saslauthd) -> saslauthd -a pam -> pam_exec roost-pam-check -> POST
// /api/mail-auth/verify. The admin stays in the instance's sasldb. deploy/cyrus/README.md.

const CACHE_TTL_S = 2; // saslauthd -t; production default is 60 s (deploy/cyrus/README.md)

void describe('backend password checks against Roost', () => {
  let rootDir: string;
  let db: TestDatabase;
  let redis: TestRedis;
  let pg: Pool;
  let api: RunningApi;
  let b1: CyrusInstance;
  let b2: CyrusInstance;
  let domainId: number;
  let backend1Id: number;

  const admin = (b: CyrusInstance) => ({ user: b.adminUser, pass: b.adminPassword });

  before(async () => {
    rootDir = await mkdtemp(path.join(tmpdir(), 'roost-bauth-'));
    await chmod(rootDir, 0o755);
    db = await createTestDatabase({ prefix: 'roost_bauth' });
    redis = await startRedis();
    pg = new Pool({ connectionString: db.url, max: 2 });
    api = await startRoostApi({ databaseUrl: db.url, redisUrl: redis.url });
    const roostAuth = (backendName: string) => ({
      url: api.verifyUrl,
      secret: api.secret,
      backendName,
      cacheTtlSeconds: CACHE_TTL_S,
    });
    [b1, b2] = await Promise.all([
      startCyrus({ name: 'backend1', rootDir, roostAuth: roostAuth('backend1') }),
      startCyrus({ name: 'backend2', rootDir, roostAuth: roostAuth('backend2') }),
    ]);
    backend1Id = await insertBackend(pg, {
      name: 'backend1',
      imapPort: b1.imapPort,
      lmtpPort: b1.lmtpPort,
    });
    await insertBackend(pg, { name: 'backend2', imapPort: b2.imapPort, lmtpPort: b2.lmtpPort });
    domainId = await insertDomain(pg, { name: 'direct.example' });
  });

  after(async () => {
    await stopAllCyrus();
    await api?.close();
    await pg?.end();
    await db?.drop();
    await redis?.stop();
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
  });

  let seq = 0;
  /** A mailbox on backend1 with its INBOX created there, as provisioning does. */
  const user = async (password: string) => {
    const address = `user${++seq}@direct.example`;
    const id = await insertMailbox(pg, {
      domainId,
      localPart: `user${seq}`,
      backendId: backend1Id,
      passwordHash: await hashPassword(password),
    });
    await createInbox(b1.imapPort, admin(b1), address);
    return { id, address };
  };

  void test('IMAP, POP3 and ManageSieve accept the Roost password and refuse a wrong one', async () => {
    const { address } = await user('Roost-Only-Secret-1');
    const [good, bad, pop3, pop3Bad, sieve] = await Promise.all([
      imapLogin(b1.imapPort, address, 'Roost-Only-Secret-1'),
      imapLogin(b1.imapPort, address, 'wrong-password'),
      pop3Login(b1.pop3Port, address, 'Roost-Only-Secret-1'),
      pop3Login(b1.pop3Port, address, 'wrong-password'),
      sieveLogin(b1.sievePort, address, 'Roost-Only-Secret-1'),
    ]);
    assert.equal(good.ok, true, good.reply);
    assert.equal(servedBy(good.reply), 'backend1');
    assert.equal(bad.ok, false);
    assert.match(bad.reply, /NO/);
    assert.equal(pop3.ok, true, pop3.reply);
    assert.equal(pop3.stat, '+OK 0 0');
    assert.equal(pop3Bad.ok, false);
    assert.equal(sieve.ok, true, sieve.reply);
  });

  void test('a real client with an awkward password (quotes, spaces, non-ASCII) gets in', async () => {
    const password = 'Ünïcode "quoted" \\ back slash % 20';
    const { address } = await user(password);
    const path = await withImapFlow(b1.imapPort, { user: address, pass: password }, async (c) => {
      return (await c.mailboxOpen('INBOX')).path;
    });
    assert.equal(path, 'INBOX');
  });

  void test('the admin stays local: sasldb, not Roost', async () => {
    assert.equal((await imapLogin(b1.imapPort, 'cyrus', b1.adminPassword)).ok, true);
    assert.equal((await imapLogin(b1.imapPort, 'cyrus', 'not-the-admin-password')).ok, false);
  });

  void test('a Roost mailbox named like the local admin never makes anyone admin', async () => {
    // A bare login ("cyrus") reaches saslauthd as cyrus@<servername> when sasldb says no. If Roost
    // hosted a domain named like the servername, its mailbox cyrus@ would otherwise log in as
    // the admin. roost-pam-check refuses every login in the servername's realm.
    const domain = await insertDomain(pg, { name: b1.name });
    await insertMailbox(pg, {
      domainId: domain,
      localPart: 'cyrus',
      backendId: backend1Id,
      passwordHash: await hashPassword('Attacker-Chosen-9'),
    });
    const bare = await imapLogin(b1.imapPort, 'cyrus', 'Attacker-Chosen-9');
    assert.equal(bare.ok, false, `bare admin login with a Roost password: ${bare.reply}`);
    const qualified = await imapLogin(b1.imapPort, `cyrus@${b1.name}`, 'Attacker-Chosen-9');
    assert.equal(qualified.ok, false, qualified.reply);
    assert.equal((await imapLogin(b1.imapPort, 'cyrus', b1.adminPassword)).ok, true);
  });

  void test('a user is refused on a backend that is not theirs', async () => {
    const { address } = await user('Routed-Elsewhere-2');
    const other = await imapLogin(b2.imapPort, address, 'Routed-Elsewhere-2');
    assert.equal(other.ok, false, other.reply);
    assert.equal((await imapLogin(b1.imapPort, address, 'Routed-Elsewhere-2')).ok, true);
  });

  void test(`a password changed in Roost works at once; the old one stops within the cache time (${CACHE_TTL_S} s)`, async () => {
    const { id, address } = await user('Old-Password-3');
    assert.equal((await imapLogin(b1.imapPort, address, 'Old-Password-3')).ok, true); // now cached
    await pg.query('UPDATE mailboxes SET password_hash = $2 WHERE id = $1', [
      id,
      await hashPassword('New-Password-3'),
    ]);
    const changedAt = Date.now();
    assert.equal(
      (await imapLogin(b1.imapPort, address, 'New-Password-3')).ok,
      true,
      'new password at once',
    );
    // saslauthd caches one credential per user and service: the new login replaced the old one.
    assert.equal((await imapLogin(b1.imapPort, address, 'Old-Password-3')).ok, false);

    // Without that replacement the old one would pass until the entry expires (pop: its own entry).
    assert.equal(
      (await pop3Login(b1.pop3Port, address, 'Old-Password-3')).ok,
      false,
      'not cached for pop',
    );
    await sleep(Math.max(0, CACHE_TTL_S * 1000 + 500 - (Date.now() - changedAt)));
    assert.equal((await imapLogin(b1.imapPort, address, 'Old-Password-3')).ok, false);
  });

  void test(`a suspended user is refused within the cache time (${CACHE_TTL_S} s)`, async () => {
    const { id, address } = await user('Soon-Suspended-4');
    assert.equal((await imapLogin(b1.imapPort, address, 'Soon-Suspended-4')).ok, true);
    await setMailboxState(pg, id, MailboxState.Suspended);
    await sleep(CACHE_TTL_S * 1000 + 500);
    assert.equal((await imapLogin(b1.imapPort, address, 'Soon-Suspended-4')).ok, false);
  });
});
