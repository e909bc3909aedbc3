import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { BackendState, MailboxState } from '@roost/core';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import {
  createRoutingRole,
  postfixDbConfig,
  postmapQuery,
  renderPostfixMaps,
  startPostfix,
  type PostfixInstance,
  type PostfixMap,
  type RoutingRole,
} from '../harness/postfix';
import {
  insertAlias,
  insertAliasDomain,
  insertBackend,
  insertDomain,
  insertMailbox,
  setBackendState,
} from '../factories/routing-fixtures';

// The exact map files Roost ships (deploy/postfix/*.cf.tmpl), queried with real `postmap -q` as
// the read-only role, and a real Postfix relay answering RCPT from them. Delivery to Cyrus is
// covered elsewhere; the backends here have TEST-NET addresses that nothing ever connects to.

const B1_LMTP = 'lmtp:inet:192.0.2.11:24';
const B2_LMTP = 'lmtp:inet:192.0.2.12:2424';
const FROZEN = 'retry:4.2.1 mailbox migration in progress';
const PROVISIONING = 'retry:4.2.0 mailbox is being created';
const BACKEND_DOWN = 'retry:4.3.2 mailbox backend down for maintenance';
const DISABLED = '550 5.2.1 mailbox disabled';

interface Fixture {
  b1: number;
  b2: number;
}

async function insertFixture(db: Client): Promise<Fixture> {
  const b1 = await insertBackend(db, { name: 'b1', lmtpHost: '192.0.2.11', lmtpPort: 24 });
  const b2 = await insertBackend(db, { name: 'b2', lmtpHost: '192.0.2.12', lmtpPort: 2424 });
  const example = await insertDomain(db, { name: 'example.test' });
  const other = await insertDomain(db, { name: 'other.test' });
  const dead = await insertDomain(db, { name: 'dead.test', active: false });
  await insertAliasDomain(db, { name: 'alias.test', targetDomainId: example });
  await insertAliasDomain(db, { name: 'oldalias.test', targetDomainId: example, active: false });

  const mailbox = (domainId: number, localPart: string, backendId: number, more = {}) =>
    insertMailbox(db, { domainId, localPart, backendId, ...more });
  await mailbox(example, 'alice', b1);
  await mailbox(example, 'bob', b2);
  await mailbox(example, "o'hara", b2);
  await mailbox(example, 'frozen', b1, { state: MailboxState.Frozen });
  await mailbox(example, 'newbie', b1, { state: MailboxState.Provisioning });
  await mailbox(example, 'susan', b1, { state: MailboxState.Suspended });
  await mailbox(example, 'ivan', b1, { active: false });
  await mailbox(example, 'forwarded', b1);
  await mailbox(other, 'carol', b2);
  await mailbox(dead, 'ghost', b1);

  const alias = (domainId: number, localPart: string, targets: string[], active = true) =>
    insertAlias(db, { domainId, localPart, targets, active });
  await alias(example, 'info', ['alice@example.test']);
  await alias(example, 'team', ['alice@example.test', 'carol@other.test']);
  await alias(example, '', ['bob@example.test']); // catch-all
  await alias(example, 'forwarded', ['carol@other.test']); // overrides the mailbox: a forward
  await alias(example, 'tosusan', ['susan@example.test']);
  await alias(example, 'old', ['alice@example.test'], false);
  return { b1, b2 };
}

void describe('Postfix pgsql maps on the routing views', () => {
  let db: TestDatabase;
  let admin: Client;
  let role: RoutingRole;
  let fixture: Fixture;
  let mapsDir: string;
  let maps: Record<PostfixMap, string>;

  const q = (key: string, map: PostfixMap) => postmapQuery(key, maps[map]);
  /** A multi-row answer as a sorted list (row order is not part of the contract). */
  const targets = async (key: string) => (await q(key, 'aliases'))?.split(',').sort() ?? null;

  before(async () => {
    db = await createTestDatabase({ prefix: 'roost_pfmaps' });
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    fixture = await insertFixture(admin);
    role = await createRoutingRole(db.url, db.name);
    mapsDir = await mkdtemp(path.join(tmpdir(), 'roost-pfmaps-'));
    maps = await renderPostfixMaps(mapsDir, postfixDbConfig(role.databaseUrl));
  });

  after(async () => {
    try {
      await admin?.end();
      await role?.drop();
    } finally {
      await db?.drop();
      if (mapsDir) await rm(mapsDir, { recursive: true, force: true });
    }
  });

  void it('renders map files that only root and group postfix can read, without the admin login', async () => {
    const text = await readFile(maps.transport, 'utf8');
    assert.match(text, new RegExp(`^user = ${role.user}$`, 'm'));
    assert.match(text, /^expansion_limit = 1$/m);
    assert.doesNotMatch(text, /\{\{/);
    assert.equal((await stat(maps.transport)).mode & 0o777, 0o640);
  });

  void it('domains: OK for active domains and active alias domains only', async () => {
    assert.equal(await q('example.test', 'domains'), 'OK');
    assert.equal(await q('other.test', 'domains'), 'OK');
    assert.equal(await q('alias.test', 'domains'), 'OK');
    assert.equal(await q('dead.test', 'domains'), null, 'inactive domain');
    assert.equal(await q('oldalias.test', 'domains'), null, 'inactive alias domain');
    assert.equal(await q('unknown.test', 'domains'), null);
  });

  void it('mailboxes: active, frozen and provisioning accept mail; suspended, inactive and unknown do not', async () => {
    assert.equal(await q('alice@example.test', 'mailboxes'), 'OK');
    assert.equal(await q('frozen@example.test', 'mailboxes'), 'OK');
    assert.equal(await q('newbie@example.test', 'mailboxes'), 'OK');
    assert.equal(await q('susan@example.test', 'mailboxes'), null, 'suspended');
    assert.equal(await q('ivan@example.test', 'mailboxes'), null, 'inactive mailbox');
    assert.equal(await q('ghost@dead.test', 'mailboxes'), null, 'mailbox in an inactive domain');
    assert.equal(await q('nobody@example.test', 'mailboxes'), null, 'unknown');
    // Postfix also probes non-address keys; '%u@%d' suppresses those queries.
    assert.equal(await q('example.test', 'mailboxes'), null);
    assert.equal(await q('@example.test', 'mailboxes'), null);
  });

  void it('aliases: identity rows, one and two targets, the catch-all and a forward that overrides a mailbox', async () => {
    assert.deepEqual(await targets('alice@example.test'), ['alice@example.test']);
    assert.deepEqual(await targets('frozen@example.test'), ['frozen@example.test']);
    assert.deepEqual(await targets('info@example.test'), ['alice@example.test']);
    assert.deepEqual(await targets('team@example.test'), [
      'alice@example.test',
      'carol@other.test',
    ]);
    assert.deepEqual(await targets('forwarded@example.test'), ['carol@other.test']);
    // Postfix looks up user@domain, then @domain: unknown users fall to the catch-all.
    assert.equal(await q('nobody@example.test', 'aliases'), null);
    assert.deepEqual(await targets('@example.test'), ['bob@example.test']);
    assert.equal(await q('old@example.test', 'aliases'), null, 'inactive alias');
    assert.equal(await q('nobody@other.test', 'aliases'), null);
    assert.equal(await q('@other.test', 'aliases'), null, 'no catch-all in other.test');
    assert.equal(await q('example.test', 'aliases'), null);
  });

  void it('aliases: an alias domain maps the mailboxes, aliases and catch-all of its target', async () => {
    assert.deepEqual(await targets('alice@alias.test'), ['alice@example.test']);
    assert.deepEqual(await targets('info@alias.test'), ['info@example.test']);
    assert.deepEqual(await targets('team@alias.test'), ['team@example.test']);
    assert.deepEqual(await targets('@alias.test'), ['bob@example.test']);
    assert.equal(await q('nobody@alias.test', 'aliases'), null);
    assert.equal(await q('alice@oldalias.test', 'aliases'), null, 'inactive alias domain');
    assert.equal(await q('@oldalias.test', 'aliases'), null);
    // The alias on forwarded@ overrides the mailbox; Postfix de-duplicates the answer.
    assert.deepEqual(
      [...new Set(await targets('forwarded@alias.test'))],
      ['forwarded@example.test'],
    );
  });

  void it('transport: LMTP to the routed backend; frozen and provisioning mailboxes defer', async () => {
    assert.equal(await q('alice@example.test', 'transport'), B1_LMTP);
    assert.equal(await q('bob@example.test', 'transport'), B2_LMTP);
    assert.equal(await q('carol@other.test', 'transport'), B2_LMTP);
    assert.equal(await q('frozen@example.test', 'transport'), FROZEN);
    assert.equal(await q('newbie@example.test', 'transport'), PROVISIONING);
    assert.equal(await q('nobody@example.test', 'transport'), null);
    assert.equal(await q('info@example.test', 'transport'), null, 'aliases route after expansion');
    assert.equal(await q('example.test', 'transport'), null);
  });

  void it('transport: a backend marked down defers its mailboxes until it is back', async () => {
    await setBackendState(admin, fixture.b2, BackendState.Down);
    try {
      assert.equal(await q('bob@example.test', 'transport'), BACKEND_DOWN);
      assert.equal(await q('carol@other.test', 'transport'), BACKEND_DOWN);
      assert.equal(await q('alice@example.test', 'transport'), B1_LMTP, 'other backend unaffected');
    } finally {
      await setBackendState(admin, fixture.b2, BackendState.Active);
    }
    assert.equal(await q('bob@example.test', 'transport'), B2_LMTP, 'no cache between lookups');
  });

  void it('recipient access: 550 5.2.1 for suspended and inactive mailboxes, nothing for the others', async () => {
    assert.equal(await q('susan@example.test', 'recipient-access'), DISABLED);
    assert.equal(await q('ivan@example.test', 'recipient-access'), DISABLED);
    assert.equal(await q('alice@example.test', 'recipient-access'), null);
    assert.equal(await q('frozen@example.test', 'recipient-access'), null);
    assert.equal(await q('nobody@example.test', 'recipient-access'), null);
  });

  void it('quotes keys safely and never matches non-ASCII keys', async () => {
    assert.equal(await q("o'hara@example.test", 'mailboxes'), 'OK');
    assert.deepEqual(await targets("o'hara@example.test"), ["o'hara@example.test"]);
    assert.equal(await q("o'hara@example.test", 'transport'), B2_LMTP);
    const injection = "x' OR 'a'='a@example.test";
    for (const map of ['mailboxes', 'aliases', 'transport', 'recipient-access'] as const) {
      assert.equal(await q(injection, map), null, map);
      // Postfix 3.7 talks LATIN1 to PostgreSQL, so UTF-8 keys arrive transcoded and never match.
      assert.equal(await q('jürgen@example.test', map), null, map);
    }
  });

  void it('connects as a role that reads the routing views and nothing else', async () => {
    const ro = new Client({ connectionString: role.databaseUrl });
    await ro.connect();
    try {
      const me = await ro.query<{ rolsuper: boolean }>(
        'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
      );
      assert.equal(me.rows[0].rolsuper, false);
      const routed = await ro.query('SELECT transport FROM postfix_transport');
      assert.ok(routed.rows.length > 0);
      for (const sql of [
        'SELECT password_hash FROM mailboxes',
        'SELECT password_hash FROM proxy_logins',
        'SELECT * FROM backends',
        "UPDATE mailboxes SET state = 'active'",
      ]) {
        await assert.rejects(ro.query(sql), { code: '42501' }, sql);
      }
    } finally {
      await ro.end();
    }
  });

  void describe('query plans', () => {
    /** Keys per map: the plan of a lookup must not depend on whether it hits. */
    const KEYS: Record<PostfixMap, string[]> = {
      domains: ['example.test', 'alias.test', 'unknown.test'],
      mailboxes: ['alice@example.test', 'nobody@example.test'],
      aliases: ['alice@example.test', '@example.test', 'info@alias.test', '@alias.test'],
      transport: ['alice@example.test', 'nobody@example.test'],
      'recipient-access': ['susan@example.test', 'susan@alias.test'],
    };
    const TABLES = ['mailboxes', 'aliases', 'domains', 'alias_domains'];

    /** The plans of every statement a lookup runs, the lookup functions' own statements too. */
    async function explain(c: Client, map: PostfixMap, key: string): Promise<PlanNode[]> {
      return plansOf(c, expandQuery(mapQuery(await readFile(maps[map], 'utf8')), key));
    }

    void it('runs each map query without a Seq Scan on mailboxes, aliases or domains', async () => {
      const ro = new Client({ connectionString: db.url });
      await ro.connect();
      try {
        await logPlans(ro, 'SET');
        await ro.query(`SET ROLE ${ro.escapeIdentifier(role.user)}`);
        // The fixture tables are tiny, where a Seq Scan is cheapest: forbid it, so one remains
        // only where no index can serve the query.
        await ro.query('SET enable_seqscan = off');
        for (const map of Object.keys(KEYS) as PostfixMap[]) {
          for (const key of KEYS[map]) {
            const nodes = await explain(ro, map, key);
            // the functions' nested statements are planned and seen, not only the call
            const read = new Set(nodes.map((n) => n['Relation Name']));
            assert.ok(read.has(map === 'aliases' ? 'aliases' : 'mailboxes') || map === 'domains');
            const scans = nodes.filter(
              (n) => n['Node Type'] === 'Seq Scan' && TABLES.includes(n['Relation Name'] ?? ''),
            );
            assert.deepEqual(
              scans.map((n) => n['Relation Name']),
              [],
              `${map} ${key}`,
            );
          }
        }
      } finally {
        await ro.end();
      }
    });

    void it('uses the leading column of every index it scans when the tables have realistic sizes', async () => {
      // enable_seqscan = off can hide a full index scan (a condition on a non-leading column),
      // so plan once more with 3,000 domains and alias domains and 15,000 mailboxes (rolled back).
      await admin.query('BEGIN');
      try {
        await admin.query(`
          INSERT INTO domains (name) SELECT 'bulk' || g || '.test' FROM generate_series(1, 3000) g;
          INSERT INTO alias_domains (name, target_domain_id)
            SELECT 'alias-' || name, id FROM domains WHERE name LIKE 'bulk%';
          INSERT INTO mailboxes (domain_id, local_part, address, password_hash, quota_bytes,
                                 backend_id, state)
            SELECT d.id, 'u' || g, 'u' || g || '@' || d.name, '!', 0, ${fixture.b1}, 'active'
              FROM domains d CROSS JOIN generate_series(1, 5) g WHERE d.name LIKE 'bulk%';
          INSERT INTO aliases (domain_id, local_part, address, targets)
            SELECT d.id, 'a' || g, 'a' || g || '@' || d.name, ARRAY['u1@' || d.name]
              FROM domains d CROSS JOIN generate_series(1, 2) g WHERE d.name LIKE 'bulk%';
          ANALYZE domains, alias_domains, mailboxes, aliases, backends;
        `);
        await logPlans(admin, 'SET LOCAL');
        await admin.query(`SET LOCAL ROLE ${admin.escapeIdentifier(role.user)}`);
        const { rows: indexes } = await admin.query<{ index: string; leading: string }>(
          `SELECT c.relname AS index, a.attname AS leading
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             JOIN pg_class t ON t.oid = i.indrelid
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
            WHERE t.relname = ANY($1)`,
          [TABLES],
        );
        const leading = new Map(indexes.map((r) => [r.index, r.leading]));
        for (const map of Object.keys(KEYS) as PostfixMap[]) {
          for (const key of KEYS[map]) {
            for (const node of await explain(admin, map, key)) {
              if (node['Node Type'] === 'Seq Scan') {
                assert.ok(!TABLES.includes(node['Relation Name'] ?? ''), `${map} ${key}: Seq Scan`);
              }
              const column = node['Index Name'] && leading.get(node['Index Name']);
              if (!column) continue;
              assert.match(
                node['Index Cond'] ?? '',
                new RegExp(`\\(${column} = `),
                `${map} ${key}: ${node['Index Name']} scanned without its leading column ${column}`,
              );
            }
          }
        }
      } finally {
        await admin.query('ROLLBACK');
      }
    });
  });

  // Disabled mailboxes must be refused however mail reaches them (migration 1763800000003).
  void describe('disabled mailboxes and alias domains', () => {
    void it('a disabled mailbox keeps its identity row, so the catch-all never takes its mail', async () => {
      // Reached through an alias (tosusan@) or an alias domain, susan@ must not fall to @example.test.
      assert.deepEqual(await targets('susan@example.test'), ['susan@example.test']);
      assert.deepEqual(await targets('ivan@example.test'), ['ivan@example.test']);
      assert.deepEqual(await targets('susan@alias.test'), ['susan@example.test']);
      assert.equal(await q('susan@example.test', 'transport'), 'error:5.2.1 mailbox disabled');
      assert.equal(await q('ivan@example.test', 'transport'), 'error:5.2.1 mailbox disabled');
    });

    void it('refuses a disabled mailbox at RCPT under its alias-domain address too', async () => {
      assert.equal(await q('susan@alias.test', 'recipient-access'), DISABLED);
      assert.equal(await q('ivan@alias.test', 'recipient-access'), DISABLED);
      assert.equal(await q('alice@alias.test', 'recipient-access'), null);
    });

    void it('does not route a mailbox of an inactive domain to its backend', async () => {
      assert.equal(await q('ghost@dead.test', 'transport'), 'error:5.2.1 mailbox disabled');
    });

    void it('answers each alias-domain target once', async () => {
      assert.equal(await q('forwarded@alias.test', 'aliases'), 'forwarded@example.test');
    });
  });

  void describe('a real Postfix relay', () => {
    let relay: PostfixInstance;
    let rootDir: string;

    before(async () => {
      rootDir = await mkdtemp(path.join(tmpdir(), 'roost-relay-'));
      relay = await startPostfix({ rootDir, databaseUrl: role.databaseUrl });
    });

    after(async () => {
      try {
        await relay?.stop();
      } finally {
        if (rootDir) await rm(rootDir, { recursive: true, force: true });
      }
    });

    void it('answers RCPT from the routing views at RCPT time', async () => {
      const smtp = await SmtpClient.connect(relay.smtpPort);
      try {
        assert.match(await smtp.command('EHLO client.example.net'), /^250[- ]/);
        assert.match(await smtp.command('MAIL FROM:<sender@remote.test>'), /^250 /);
        const rcpt = (address: string) => smtp.command(`RCPT TO:<${address}>`);
        assert.match(await rcpt('alice@example.test'), /^250 /);
        assert.match(await rcpt('carol@other.test'), /^250 /);
        assert.match(await rcpt('team@example.test'), /^250 /);
        assert.match(await rcpt('info@alias.test'), /^250 /);
        assert.match(await rcpt('frozen@example.test'), /^250 /, 'frozen: accepted, then held');
        assert.match(await rcpt('nobody@example.test'), /^250 /, 'catch-all');
        assert.match(await rcpt('nobody@other.test'), /^550 5\.1\.1 .*mailbox unknown/);
        assert.match(await rcpt('susan@example.test'), /^550 5\.2\.1 .*mailbox disabled/);
        assert.match(await rcpt('ivan@example.test'), /^550 5\.2\.1 .*mailbox disabled/);
        assert.match(await rcpt('ghost@dead.test'), /^554 5\.7\.1 .*Relay access denied/);
        assert.match(await rcpt('x@oldalias.test'), /^554 5\.7\.1 /);
        // 127.0.0.1 is not in mynetworks: the test client is as untrusted as the Internet.
        assert.match(await rcpt('someone@remote.test'), /^554 5\.7\.1 .*Relay access denied/);
        assert.match(await smtp.command('QUIT'), /^221 /);
      } finally {
        smtp.close();
      }
      const log = await waitFor(
        () => relay.logText(),
        (text) => text.includes('<ghost@dead.test>: Relay access denied'),
      );
      assert.match(log, /reject: RCPT from .*<nobody@other.test>: Recipient address rejected/);
    });

    void it('queues mail for a frozen mailbox and defers it with 4.2.1', async () => {
      const smtp = await SmtpClient.connect(relay.smtpPort);
      let queueId: string;
      try {
        await smtp.command('EHLO client.example.net');
        assert.match(await smtp.command('MAIL FROM:<sender@remote.test>'), /^250 /);
        assert.match(await smtp.command('RCPT TO:<frozen@example.test>'), /^250 /);
        assert.match(await smtp.command('DATA'), /^354 /);
        const queued = await smtp.command(
          'Subject: held\r\nMessage-ID: <held@remote.test>\r\n\r\nwaits for the move\r\n.',
        );
        queueId = /^250 .*queued as ([0-9A-Za-z]+)/.exec(queued)?.[1] ?? '';
        assert.ok(queueId, queued);
        await smtp.command('QUIT');
      } finally {
        smtp.close();
      }
      const deferred = () =>
        waitFor(
          () => relay.queue(),
          (entries) =>
            entries.some(
              (e) =>
                e.queue_id === queueId &&
                e.queue_name === 'deferred' &&
                e.recipients[0]?.delay_reason === 'mailbox migration in progress',
            ),
        );
      await deferred();
      await relay.reload();
      await relay.flush();
      await deferred();
      const log = await relay.logText();
      assert.match(
        log,
        new RegExp(`${queueId}: to=<frozen@example.test>.*dsn=4\\.2\\.1, status=deferred`),
      );
    });
  });
});

// ---- helpers --------------------------------------------------------------------------------

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/**
 * Makes PostgreSQL send the plan of every statement this session runs, nested ones included (the
 * lookup functions' own queries), to the client as LOG messages (auto_explain; superuser only,
 * so call it before switching to the routing role).
 */
async function logPlans(c: Client, set: 'SET' | 'SET LOCAL'): Promise<void> {
  await c.query(`LOAD 'auto_explain'`);
  await c.query(`${set} auto_explain.log_min_duration = 0`);
  await c.query(`${set} auto_explain.log_nested_statements = on`);
  await c.query(`${set} auto_explain.log_format = 'json'`);
  await c.query(`${set} client_min_messages = log`);
}

/** Runs `query` in a session prepared by logPlans(); returns every node of every plan it ran. */
async function plansOf(c: Client, query: string): Promise<PlanNode[]> {
  const logged: string[] = [];
  const onNotice = (n: { message?: string }) => {
    if (n.message?.includes('plan:')) logged.push(n.message);
  };
  c.on('notice', onNotice); // the plans arrive before the query's own answer
  try {
    await c.query(query);
  } finally {
    c.off('notice', onNotice);
  }
  const plans = logged.map((m) => JSON.parse(m.slice(m.indexOf('{'))) as { Plan: PlanNode });
  assert.ok(plans.length > 0, `no plan was logged for ${query}`);
  return plans.flatMap((p) => planNodes(p.Plan));
}

/** The `query =` setting of a pgsql map file, continuation lines included. */
function mapQuery(cf: string): string {
  const lines = cf.split('\n');
  const start = lines.findIndex((l) => /^query\s*=/.test(l));
  assert.ok(start >= 0, 'map file has a query');
  const parts = [lines[start].replace(/^query\s*=\s*/, '')];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line)) break;
    parts.push(line.trim());
  }
  return parts.join(' ');
}

/** Postfix's expansion of %s, %u, %d (pgsql_table(5)), with its quoting of the key. */
function expandQuery(query: string, key: string): string {
  const quote = (s: string) => s.replace(/'/g, "''");
  const at = key.lastIndexOf('@');
  const local = at >= 0 ? key.slice(0, at) : key;
  const domain = at >= 0 ? key.slice(at + 1) : '';
  return query.replace(/%([%sud])/g, (_, c: string) =>
    c === '%' ? '%' : quote(c === 's' ? key : c === 'u' ? local : domain),
  );
}

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) {
      assert.fail(`timed out after ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    }
    await sleep(100);
    value = await read();
  }
  return value;
}

/** Just enough SMTP to see each reply as the relay sends it. */
class SmtpClient {
  private buffer = '';
  private waiting: ((reply: string) => void) | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.deliver();
    });
    socket.on('error', (err) => (this.failure = err));
  }

  static async connect(port: number): Promise<SmtpClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new SmtpClient(socket);
    const greeting = await client.reply();
    assert.match(greeting, /^220 /);
    return client;
  }

  command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  close(): void {
    this.socket.destroy();
  }

  private reply(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no SMTP reply; got ${this.buffer}`)),
        20_000,
      );
      this.waiting = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.deliver();
    });
  }

  /** A reply is complete at its last line, `NNN text` (continuation lines are `NNN-text`). */
  private deliver(): void {
    const match = /^(?:\d{3}-.*\r\n)*\d{3} .*\r\n/.exec(this.buffer);
    if (!match || !this.waiting) return;
    this.buffer = this.buffer.slice(match[0].length);
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve(match[0].trimEnd().split('\r\n').join(' | '));
  }
}
