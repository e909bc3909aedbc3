import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../harness/database';

/**
 * postfix_alias_targets(key) is the fast path Postfix's virtual_alias_maps calls; the
 * postfix_aliases view is the contract. Both must give the same set of targets for every key:
 * mailboxes in every state, active and inactive aliases, multi-target aliases, an alias that
 * overrides a mailbox, catch-alls, alias domains (active, inactive, onto an inactive domain),
 * inactive domains and unknown names.
 */
const FIXTURE = `
  INSERT INTO backends (id, name, imap_host, imap_port, lmtp_host, lmtp_port, admin_secret_ref,
                        capacity_bytes, capacity_mailboxes)
  VALUES (1, 'b1', '127.0.0.1', 143, '127.0.0.1', 24, 'env:X', 1000000000, 1000);

  INSERT INTO domains (id, name, active) VALUES
    (1, 'one.test', true), (2, 'two.test', true), (3, 'off.test', false), (4, 'bare.test', true);
  INSERT INTO alias_domains (name, target_domain_id, active) VALUES
    ('alias-one.test', 1, true), ('alias-two.test', 2, true),
    ('paused.test', 1, false), ('to-off.test', 3, true);

  INSERT INTO mailboxes (domain_id, local_part, address, password_hash, quota_bytes, backend_id,
                         state, active)
  SELECT d, lp, lp || '@' || (SELECT name FROM domains WHERE id = d), 'x', 1, 1, st, act
    FROM (VALUES
      (1, 'ann', 'active', true), (1, 'bob', 'suspended', true), (1, 'cy', 'frozen', true),
      (1, 'dee', 'active', false), (1, 'eve', 'deleting', true), (1, 'fay', 'provisioning', true),
      (1, 'list', 'active', true), (1, 'old', 'active', true),
      (2, 'ann', 'active', true), (2, 'gus', 'moving', true),
      (3, 'hal', 'active', true), (4, 'ivy', 'active', true)
    ) AS v(d, lp, st, act);

  INSERT INTO aliases (domain_id, local_part, address, targets, active)
  SELECT d, lp, lp || '@' || (SELECT name FROM domains WHERE id = d), t, act
    FROM (VALUES
      (1, 'team', ARRAY['ann@one.test', 'ann@two.test', 'out@example.org'], true),
      (1, 'list', ARRAY['bob@one.test'], true),          -- overrides the mailbox list@
      (1, 'old', ARRAY['ann@one.test'], false),          -- inactive: the mailbox answers
      (1, 'gone', ARRAY['ann@one.test'], false),
      (1, '', ARRAY['ann@one.test', 'cy@one.test'], true), -- catch-all of one.test
      (2, 'sales', ARRAY['gus@two.test'], true),
      (2, '', ARRAY['gus@two.test'], false),             -- inactive catch-all
      (3, 'help', ARRAY['hal@off.test'], true),
      (3, '', ARRAY['hal@off.test'], true)
    ) AS v(d, lp, t, act);
`;

describe('postfix_alias_targets() answers as the postfix_aliases view', () => {
  let db: TestDatabase;
  let pg: Client;
  before(async () => {
    db = await createTestDatabase({ prefix: 'roost_alias_lookup' });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(FIXTURE);
  });
  after(async () => {
    await pg?.end();
    await db?.drop();
  });

  const viaView = async (key: string) =>
    (
      await pg.query<{ target: string }>(
        `SELECT target FROM postfix_aliases
          WHERE local_part = split_part($1, '@', 1) AND domain = split_part($1, '@', 2)`,
        [key],
      )
    ).rows
      .map((r) => r.target)
      .sort();
  const viaFunction = async (key: string) =>
    (await pg.query<{ target: string }>(`SELECT postfix_alias_targets($1) AS target`, [key])).rows
      .map((r) => r.target)
      .sort();

  test('for every local part of every domain and alias domain, and unknown keys', async () => {
    const { rows: locals } = await pg.query<{ lp: string }>(
      `SELECT local_part AS lp FROM mailboxes UNION SELECT local_part FROM aliases
       UNION VALUES ('nobody')`,
    );
    const { rows: domains } = await pg.query<{ name: string }>(
      `SELECT name FROM domains UNION SELECT name FROM alias_domains UNION VALUES ('elsewhere.test')`,
    );
    let answered = 0;
    for (const { name } of domains) {
      for (const { lp } of locals) {
        const key = `${lp}@${name}`;
        const expected = await viaView(key);
        assert.deepEqual(await viaFunction(key), expected, key);
        if (expected.length > 0) answered++;
      }
    }
    // the fixture must exercise the answers, not only the misses
    assert.ok(answered >= 20, `only ${answered} keys had targets`);
  });

  test('spot checks of what the fixture means', async () => {
    assert.deepEqual(await viaFunction('team@alias-one.test'), ['team@one.test']);
    assert.deepEqual(await viaFunction('list@one.test'), ['bob@one.test']);
    assert.deepEqual(await viaFunction('old@one.test'), ['old@one.test']);
    assert.deepEqual(await viaFunction('@alias-one.test'), ['ann@one.test', 'cy@one.test']);
    assert.deepEqual(await viaFunction('ann@alias-two.test'), ['ann@two.test']);
    assert.deepEqual(await viaFunction('@two.test'), []);
    assert.deepEqual(await viaFunction('hal@off.test'), []);
    assert.deepEqual(await viaFunction('ann@paused.test'), []);
    assert.deepEqual(await viaFunction('help@to-off.test'), []);
  });
});
