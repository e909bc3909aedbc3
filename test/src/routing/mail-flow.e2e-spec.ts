import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MailboxState } from '@roost/core';
import { createDataSource } from '@roost/db';
import { runRelayControl } from '@roost/workers';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { startCyrus, stopAllCyrus, type CyrusInstance } from '../harness/cyrus';
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from '../harness/database';
import {
  createRoutingRole,
  startPostfix,
  stopAllPostfix,
  type PostfixInstance,
  type RoutingRole,
} from '../harness/postfix';
import {
  insertAlias,
  insertAliasDomain,
  insertBackend,
  insertDomain,
  insertMailbox,
  setMailboxState,
} from '../factories/routing-fixtures';
import { createInbox, inboxSubjects, SmtpSession } from './mail-clients';

// Mail over SMTP into the real Postfix relay (deploy/postfix, pgsql maps on Roost's views), over
// LMTP into two real Cyrus backends, and found (or not) in the right INBOX by IMAP. Then a
// routing flip as a move does it: freeze (mail deferred in the relay), flip, reload + flush
// through the relay's control command (workers/src/relay), delivery on the new backend.

const DELIVERY_TIMEOUT_MS = 30_000;

void describe('mail routing: SMTP relay -> LMTP -> the routed backend', () => {
  let rootDir: string;
  let db: TestDatabase;
  let role: RoutingRole;
  let pg: Pool;
  let ds: DataSource;
  let relay: PostfixInstance;
  let b1: CyrusInstance;
  let b2: CyrusInstance;
  const ids = { b1: 0, b2: 0, alice: 0 };

  const admin = (b: CyrusInstance) => ({ user: b.adminUser, pass: b.adminPassword });
  const subjectsOf = (b: CyrusInstance, address: string) =>
    inboxSubjects(b.imapPort, admin(b), address);

  /** Polls until the INBOX holds every subject in `want` (and returns what it holds). */
  const waitForSubjects = async (b: CyrusInstance, address: string, want: string[]) => {
    const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
    for (;;) {
      const have = await subjectsOf(b, address);
      if (want.every((s) => have.includes(s))) return have;
      if (Date.now() > deadline) {
        const log = (await relay.logText()).split('\n').slice(-30).join('\n');
        assert.fail(
          `${address} on ${b.name} has ${JSON.stringify(have)}, want ${JSON.stringify(want)}\n${log}`,
        );
      }
      await sleep(250);
    }
  };

  /** One SMTP transaction; the reply to each RCPT, and to DATA when any RCPT was accepted. */
  const send = async (rcpts: string[], subject: string, opts: { smtputf8?: boolean } = {}) => {
    const smtp = await SmtpSession.open(relay.smtpPort);
    try {
      await smtp.command('EHLO client.remote.test');
      const from = await smtp.command(
        `MAIL FROM:<sender@remote.test>${opts.smtputf8 ? ' SMTPUTF8' : ''}`,
      );
      assert.match(from, /^250 /);
      const replies: string[] = [];
      for (const r of rcpts) replies.push((await smtp.command(`RCPT TO:<${r}>`)).trim());
      let data: string | undefined;
      if (replies.some((r) => r.startsWith('250'))) {
        data = (
          await smtp.data(
            `From: sender@remote.test\nTo: ${rcpts.join(', ')}\nSubject: ${subject}\n` +
              `Message-ID: <${subject}.${Date.now()}@remote.test>\n\n${subject}\n`,
          )
        ).trim();
      }
      return { rcpt: replies, data };
    } finally {
      await smtp.quit();
    }
  };

  before(async () => {
    rootDir = await mkdtemp(path.join(tmpdir(), 'roost-flow-'));
    await chmod(rootDir, 0o755);
    db = await createTestDatabase({ prefix: 'roost_flow' });
    role = await createRoutingRole(adminDatabaseUrl(), db.name);
    pg = new Pool({ connectionString: db.url, max: 2 });
    ds = createDataSource(db.url, 2);
    await ds.initialize();
    [b1, b2] = await Promise.all([
      startCyrus({ name: 'backend1', rootDir }),
      startCyrus({ name: 'backend2', rootDir }),
    ]);
    ids.b1 = await insertBackend(pg, {
      name: 'backend1',
      lmtpPort: b1.lmtpPort,
      imapPort: b1.imapPort,
    });
    ids.b2 = await insertBackend(pg, {
      name: 'backend2',
      lmtpPort: b2.lmtpPort,
      imapPort: b2.imapPort,
    });

    const route = await insertDomain(pg, { name: 'route.test' });
    const catchAll = await insertDomain(pg, { name: 'catch.test' });
    const dead = await insertDomain(pg, { name: 'dead.test', active: false });
    await insertAliasDomain(pg, { name: 'alias.test', targetDomainId: route });
    const mailboxes: [number, string, number, CyrusInstance][] = [
      [route, 'alice', ids.b1, b1],
      [route, 'bob', ids.b2, b2],
      [catchAll, 'carol', ids.b2, b2],
      [catchAll, 'dave', ids.b1, b1],
      [dead, 'zed', ids.b1, b1],
    ];
    for (const [domainId, localPart, backendId, backend] of mailboxes) {
      const id = await insertMailbox(pg, { domainId, localPart, backendId });
      if (localPart === 'alice') ids.alice = id;
      const domain =
        domainId === route ? 'route.test' : domainId === catchAll ? 'catch.test' : 'dead.test';
      await createInbox(backend.imapPort, admin(backend), `${localPart}@${domain}`);
    }
    await insertAlias(pg, {
      domainId: route,
      localPart: 'team',
      targets: ['alice@route.test', 'bob@route.test'],
    });
    await insertAlias(pg, { domainId: catchAll, localPart: '', targets: ['carol@catch.test'] });

    relay = await startPostfix({
      rootDir: path.join(rootDir, 'relay'),
      databaseUrl: role.databaseUrl,
    });
    await pg.query(`INSERT INTO relays (name, control_command) VALUES ('test-relay', $1)`, [
      JSON.stringify(['postfix', '-c', relay.configDir, '{action}']),
    ]);
  });

  after(async () => {
    await stopAllPostfix();
    await stopAllCyrus();
    await ds?.destroy();
    await pg?.end();
    await db?.drop();
    await role?.drop();
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
  });

  void test('each recipient is accepted or refused at RCPT and lands in the right INBOX', async () => {
    const cases: [string, string, RegExp][] = [
      ['alice@route.test', 'to-alice', /^250 /], // backend1
      ['bob@route.test', 'to-bob', /^250 /], // backend2
      ['team@route.test', 'to-team', /^250 /], // alias: alice (b1) + bob (b2)
      ['someone@catch.test', 'to-catchall', /^250 /], // catch-all -> carol (b2)
      ['dave@catch.test', 'to-dave', /^250 /], // a real mailbox under a catch-all
      ['alice@alias.test', 'to-alias-domain', /^250 /], // alias domain -> alice@route.test
      ['nobody@route.test', 'to-nobody', /^550 5\.1\.1 /], // unknown: refused at RCPT
      ['zed@dead.test', 'to-dead', /^554 5\.7\.1 .*Relay access denied/], // inactive domain
    ];
    for (const [rcpt, subject, want] of cases) {
      const reply = await send([rcpt], subject);
      assert.match(reply.rcpt[0], want, `RCPT ${rcpt}`);
      if (reply.data !== undefined) assert.match(reply.data, /^250 /, `DATA for ${rcpt}`);
    }

    assert.deepEqual(
      await waitForSubjects(b1, 'alice@route.test', ['to-alice', 'to-team', 'to-alias-domain']),
      ['to-alias-domain', 'to-alice', 'to-team'],
    );
    assert.deepEqual(await waitForSubjects(b2, 'bob@route.test', ['to-bob', 'to-team']), [
      'to-bob',
      'to-team',
    ]);
    assert.deepEqual(await waitForSubjects(b2, 'carol@catch.test', ['to-catchall']), [
      'to-catchall',
    ]);
    assert.deepEqual(await waitForSubjects(b1, 'dave@catch.test', ['to-dave']), ['to-dave']);
    assert.deepEqual(await subjectsOf(b1, 'zed@dead.test'), []);
    assert.deepEqual(await relay.queue(), [], 'nothing left in the relay queue');
  });

  // Roost's addresses are ASCII (@roost/core): Postfix 3.7 talks LATIN1 to PostgreSQL, and
  // Cyrus 3.6's lmtpd does not offer SMTPUTF8, so a non-ASCII recipient accepted at RCPT would
  // bounce later (dsn 5.6.7, "SMTPUTF8 is required, but was not offered"): backscatter.
  void test('non-ASCII (SMTPUTF8) recipients are refused at RCPT where no catch-all applies', async () => {
    const plain = await send(['jörg@route.test'], 'utf8-route', { smtputf8: true });
    assert.match(plain.rcpt[0], /^55[03] 5\.[16]\.[17] /);
    const idn = await send(['alice@bücher.test'], 'utf8-domain', { smtputf8: true });
    assert.match(
      idn.rcpt[0],
      /^554 5\.7\.1 /,
      'a U-label domain is not hosted (domains are stored as xn--)',
    );
  });

  void test('a non-ASCII recipient under a catch-all is refused at RCPT, not bounced later', async () => {
    const caught = await send(['jörg@catch.test'], 'utf8-catchall', { smtputf8: true });
    assert.match(caught.rcpt[0], /^553 5\.6\.7 /);
  });

  void test('a flip: mail is deferred while frozen, then delivered to the new backend after reload + flush', async () => {
    // Freeze, as a move does before its final sync, and tell the relay (qmgr caches routes).
    await setMailboxState(pg, ids.alice, MailboxState.Frozen);
    const frozen = await runRelayControl(ds, 'reload', 'test: alice frozen');
    assert.deepEqual(
      frozen.map((r) => [r.action, r.ok]),
      [['reload', true]],
    );

    const reply = await send(['alice@route.test'], 'during-freeze');
    assert.match(reply.rcpt[0], /^250 /, 'a frozen mailbox still accepts mail');
    assert.match(reply.data ?? '', /^250 /);
    const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
    let reason: string | undefined;
    while (Date.now() < deadline) {
      const queued = (await relay.queue()).flatMap((e) => e.recipients);
      reason = queued.find((r) => r.address === 'alice@route.test')?.delay_reason;
      if (reason) break;
      await sleep(250);
    }
    assert.match(reason ?? '(not deferred)', /mailbox migration in progress/);
    assert.ok(!(await subjectsOf(b1, 'alice@route.test')).includes('during-freeze'));

    // The flip: the target INBOX exists first, then routing entry and state change together.
    await createInbox(b2.imapPort, admin(b2), 'alice@route.test');
    await pg.query(`UPDATE mailboxes SET backend_id = $2, state = 'active' WHERE id = $1`, [
      ids.alice,
      ids.b2,
    ]);
    const flushed = await runRelayControl(ds, 'flush', 'test: alice flipped');
    assert.deepEqual(
      flushed.map((r) => [r.action, r.ok]),
      [
        ['reload', true],
        ['flush', true],
      ],
    );

    assert.deepEqual(await waitForSubjects(b2, 'alice@route.test', ['during-freeze']), [
      'during-freeze',
    ]);
    assert.ok(!(await subjectsOf(b1, 'alice@route.test')).includes('during-freeze'));
    await send(['alice@route.test'], 'after-flip');
    await waitForSubjects(b2, 'alice@route.test', ['during-freeze', 'after-flip']);
    const left = (await relay.queue()).flatMap((e) => e.recipients.map((r) => r.address));
    assert.ok(!left.includes('alice@route.test'), `still queued: ${left.join(', ')}`);

    const { rows } = await pg.query<{ action: string; reason: string; exit_code: number }>(
      `SELECT action, reason, exit_code FROM relay_calls ORDER BY id`,
    );
    assert.deepEqual(
      rows.map((r) => `${r.action} ${r.exit_code} ${r.reason}`),
      [
        'reload 0 test: alice frozen',
        'reload 0 test: alice flipped',
        'flush 0 test: alice flipped',
      ],
    );
  });
});
