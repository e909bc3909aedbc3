import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashPassword } from '@roost/api';
import { MailboxState } from '@roost/core';
import { Pool } from 'pg';
import { startCyrus, stopAllCyrus, type CyrusInstance } from '../harness/cyrus';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { startMailProxy, type MailProxy } from '../harness/nginx';
import { startRedis, type TestRedis } from '../harness/redis';
import {
  insertBackend,
  insertDomain,
  insertMailbox,
  setMailboxState,
} from '../factories/routing-fixtures';
import { createInbox, imapLogin, pop3Login, servedBy, withImapFlow } from './mail-clients';
import { startRoostApi, type RunningApi } from './roost-api';

// IMAP and POP3 through the real nginx mail proxy (deploy/nginx/nginx.conf.tmpl) to two real Cyrus
// backends, with Roost's auth_http deciding where each login goes. The backends check the
// password again against Roost (saslauthd -> PAM -> /api/mail-auth/verify), as in production.

void describe('IMAP/POP3 proxy (nginx auth_http -> Roost)', () => {
  let rootDir: string;
  let db: TestDatabase;
  let redis: TestRedis;
  let pg: Pool;
  let api: RunningApi;
  let proxy: MailProxy;
  const backends: CyrusInstance[] = [];
  const backendIds: number[] = [];
  let domainId: number;

  const admin = (b: CyrusInstance) => ({ user: b.adminUser, pass: b.adminPassword });

  before(async () => {
    rootDir = await mkdtemp(path.join(tmpdir(), 'roost-proxy-'));
    await chmod(rootDir, 0o755);
    db = await createTestDatabase({ prefix: 'roost_proxy' });
    redis = await startRedis();
    pg = new Pool({ connectionString: db.url, max: 2 });
    api = await startRoostApi({ databaseUrl: db.url, redisUrl: redis.url });
    const roostAuth = (backendName: string) => ({
      url: api.verifyUrl,
      secret: api.secret,
      backendName,
    });
    backends.push(
      ...(await Promise.all(
        ['backend1', 'backend2'].map((name) =>
          startCyrus({ name, rootDir, roostAuth: roostAuth(name) }),
        ),
      )),
    );
    for (const b of backends) {
      const id = await insertBackend(pg, {
        name: b.name,
        imapHost: b.host,
        imapPort: b.imapPort,
        lmtpPort: b.lmtpPort,
      });
      await pg.query('UPDATE backends SET pop3_port = $2 WHERE id = $1', [id, b.pop3Port]);
      backendIds.push(id);
    }
    domainId = await insertDomain(pg, { name: 'proxy.example' });
    proxy = await startMailProxy({ rootDir, authHttpUrl: api.nginxAuthUrl, secret: api.secret });
  });

  after(async () => {
    await proxy?.stop();
    await stopAllCyrus();
    await api?.close();
    await pg?.end();
    await db?.drop();
    await redis?.stop();
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
  });

  let seq = 0;
  /** A mailbox routed to backends[index], INBOX created there as provisioning would. */
  const user = async (index: number, password: string, state?: MailboxState) => {
    const localPart = `user${++seq}`;
    const address = `${localPart}@proxy.example`;
    const id = await insertMailbox(pg, {
      domainId,
      localPart,
      backendId: backendIds[index],
      state,
      passwordHash: await hashPassword(password),
    });
    await createInbox(backends[index].imapPort, admin(backends[index]), address);
    return { id, address };
  };

  void test('IMAP and POP3 logins reach the backend each user is routed to', async () => {
    const u1 = await user(0, 'First-Secret-1');
    const u2 = await user(1, 'Second-Secret-2');
    const [i1, i2, p1, p2] = await Promise.all([
      imapLogin(proxy.imapPort, u1.address, 'First-Secret-1'),
      imapLogin(proxy.imapPort, u2.address.toUpperCase(), 'Second-Secret-2'),
      pop3Login(proxy.pop3Port, u1.address, 'First-Secret-1'),
      pop3Login(proxy.pop3Port, u2.address, 'Second-Secret-2'),
    ]);
    for (const r of [i1, i2, p1, p2]) assert.equal(r.ok, true, r.reply);
    assert.equal(servedBy(i1.reply), 'backend1');
    assert.equal(servedBy(i2.reply), 'backend2');
    assert.equal(servedBy(p1.reply), 'backend1');
    assert.equal(servedBy(p2.reply), 'backend2');
    assert.equal(p2.stat, '+OK 0 0');
  });

  void test('a real IMAP client (imapflow) works through the proxy', async () => {
    const u = await user(1, 'Client-Secret-3');
    const status = await withImapFlow(
      proxy.imapPort,
      { user: u.address, pass: 'Client-Secret-3' },
      (c) => c.status('INBOX', { messages: true }),
    );
    assert.equal(status && status.messages, 0);
  });

  void test('a wrong password fails after a delay, on IMAP and POP3', async () => {
    const u = await user(0, 'Right-Secret-4');
    const [imap, pop3] = await Promise.all([
      imapLogin(proxy.imapPort, u.address, 'Wrong-Secret'),
      pop3Login(proxy.pop3Port, u.address, 'Wrong-Secret'),
    ]);
    assert.equal(imap.ok, false);
    assert.match(imap.reply, /^a1 NO .*Invalid login or password/);
    assert.ok(imap.ms >= 2_500, `answered after ${imap.ms} ms`);
    assert.equal(pop3.ok, false);
    assert.match(pop3.reply, /^-ERR .*Invalid login or password/);
    const log = await readFile(proxy.errorLog, 'utf8');
    assert.match(log, /client login failed: "\[AUTHENTICATIONFAILED\] Invalid login or password"/);
    assert.ok(!log.includes('Wrong-Secret'), 'nginx logged the password');
  });

  void test('a suspended user is refused', async () => {
    const u = await user(0, 'Suspended-Secret-5', MailboxState.Suspended);
    const r = await imapLogin(proxy.imapPort, u.address, 'Suspended-Secret-5');
    assert.equal(r.ok, false);
    assert.match(r.reply, /Account disabled/);
  });

  void test('a frozen user is held, then lands on the new backend after the flip; a long freeze is a temporary failure', async () => {
    const moving = await user(0, 'Moving-Secret-6');
    const stuck = await user(0, 'Stuck-Secret-7', MailboxState.Frozen);
    await setMailboxState(pg, moving.id, MailboxState.Frozen); // a move's freeze

    const heldImap = imapLogin(proxy.imapPort, moving.address, 'Moving-Secret-6');
    const heldPop3 = pop3Login(proxy.pop3Port, moving.address, 'Moving-Secret-6');
    const stuckImap = imapLogin(proxy.imapPort, stuck.address, 'Stuck-Secret-7');
    const settled = { value: false };
    void heldImap.finally(() => (settled.value = true));
    await sleep(2_500);
    assert.equal(settled.value, false, 'the login was answered while the mailbox was frozen');

    // The flip, as a move does it: the target INBOX exists, then routing and state in one go.
    await createInbox(backends[1].imapPort, admin(backends[1]), moving.address);
    await pg.query(`UPDATE mailboxes SET backend_id = $2, state = 'active' WHERE id = $1`, [
      moving.id,
      backendIds[1],
    ]);
    const [imap, pop3] = await Promise.all([heldImap, heldPop3]);
    assert.equal(imap.ok, true, imap.reply);
    assert.equal(servedBy(imap.reply), 'backend2');
    assert.equal(pop3.ok, true, pop3.reply);
    assert.equal(servedBy(pop3.reply), 'backend2');
    const next = await imapLogin(proxy.imapPort, moving.address, 'Moving-Secret-6');
    assert.equal(servedBy(next.reply), 'backend2');

    // Never unfrozen: after 20 s of holding, the client gets a temporary failure.
    const late = await stuckImap;
    assert.equal(late.ok, false);
    assert.match(
      late.reply,
      /^a1 NO \[UNAVAILABLE\] Mailbox is being moved, try again in a minute/,
    );
  });
});
