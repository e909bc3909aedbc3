import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import { ensureRoutingRole, MIGRATIONS, migrateDown, migrateUp } from '@roost/migrations';
import { createTestDatabase, TestDatabase } from '../harness/database';

const TABLES = [
  'admin_credentials',
  'admin_domains',
  'admins',
  'alias_domains',
  'aliases',
  'audit_events',
  'backends',
  'domains',
  'mailboxes',
  'move_folders',
  'moves',
  'password_resets',
  'rebalance_plans',
  'relay_calls',
  'relays',
];
const VIEWS = [
  'postfix_aliases',
  'postfix_domains',
  'postfix_mailboxes',
  'postfix_recipient_access',
  'postfix_transport',
  'proxy_logins',
];

async function relations(url: string): Promise<{ tables: string[]; views: string[] }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const names = async (kind: string) =>
      (
        await c.query<{ relname: string }>(
          `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = $1 ORDER BY 1`,
          [kind],
        )
      ).rows.map((r) => r.relname);
    return {
      tables: (await names('r')).filter((t) => t !== 'migrations'),
      views: await names('v'),
    };
  } finally {
    await c.end();
  }
}

describe('migrations', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ migrate: false, prefix: 'roost_migrations' });
  });
  after(async () => {
    await db?.drop();
  });

  test('apply on an empty database and create every table and routing view', async () => {
    const applied = await migrateUp(db.url);
    assert.equal(applied.length, MIGRATIONS.length);
    const { tables, views } = await relations(db.url);
    assert.deepEqual(tables, TABLES);
    assert.deepEqual(views, VIEWS);
  });

  test('are a no-op when the database is up to date', async () => {
    assert.deepEqual(await migrateUp(db.url), []);
  });

  test('revert one by one down to an empty schema, then apply again', async () => {
    await migrateDown(db.url, MIGRATIONS.length);
    assert.deepEqual(await relations(db.url), { tables: [], views: [] });
    assert.equal((await migrateUp(db.url)).length, MIGRATIONS.length);
    assert.deepEqual((await relations(db.url)).tables, TABLES);
  });

  test('each migration reverts cleanly on its own', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) {
      await migrateDown(db.url, 1);
      await migrateUp(db.url);
    }
    assert.deepEqual(await relations(db.url), { tables: TABLES, views: VIEWS });
  });

  test('a routing role may read the routing views and nothing else', async () => {
    const role = `${db.name}_relay`;
    await ensureRoutingRole(db.url, role, 'relay-secret');
    await ensureRoutingRole(db.url, role, 'relay-secret-2'); // again: updates, does not fail
    const url = new URL(db.url);
    url.username = role;
    url.password = 'relay-secret-2';
    const c = new Client({ connectionString: url.toString() });
    await c.connect();
    try {
      await c.query(
        `SELECT postfix_transport_for('a@b.example'), postfix_alias_targets('a@b.example')`,
      );
      for (const view of VIEWS.filter((v) => v.startsWith('postfix_')))
        await c.query(`SELECT 1 FROM ${view}`);
      await assert.rejects(c.query('SELECT 1 FROM mailboxes'), /permission denied/);
      await assert.rejects(c.query('SELECT 1 FROM proxy_logins'), /permission denied/);
    } finally {
      await c.end();
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
      await admin.end();
    }
  });
});
