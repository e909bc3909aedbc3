import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import request from 'supertest';
import { ApiFixture, startApi } from '../factories/api-fixtures';

const CLI = join(__dirname, '..', '..', '..', 'api', 'dist', 'cli.js');

void describe('roost CLI (node api/dist/cli.js)', () => {
  let f: ApiFixture;

  const cli = async (
    ...args: string[]
  ): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], {
        env: { ...process.env, DATABASE_URL: f.db.url },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  before(async () => {
    f = await startApi();
  });
  after(() => f.close());

  void it('creates a domain, a backend and a superadmin whose generated password signs in', async () => {
    assert.equal(
      (await cli('create-domain', '--name', 'Demo.Example')).stdout,
      'domain demo.example created (id 1)\n',
    );
    const backend = await cli(
      'create-backend',
      '--name=cyrus-1',
      '--imap-host=127.0.0.1',
      '--imap-port=143',
      '--lmtp-host=127.0.0.1',
      '--lmtp-port=24',
      '--sieve-port=4190',
      '--admin-secret-ref=env:CYRUS_ADMIN_PASSWORD',
      '--capacity-bytes=1_000_000_000',
      '--capacity-mailboxes=1000',
    );
    assert.equal(backend.code, 0, backend.stderr);
    const admin = await cli('create-admin', '--username', 'root', '--role', 'superadmin');
    assert.equal(admin.code, 0, admin.stderr);
    const password = /^password: (\S+)$/m.exec(admin.stdout)?.[1];
    assert.ok(password);
    await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'root', password })
      .expect(200);
    const audit = await f.pg.query(`SELECT actor_name, action FROM audit_events ORDER BY id`);
    assert.deepEqual(
      audit.rows.map((r) => `${r.actor_name} ${r.action}`),
      ['cli domain.create', 'cli backend.create', 'cli admin.create'],
    );
    assert.doesNotMatch(
      JSON.stringify(await f.pg.query(`SELECT * FROM audit_events`).then((r) => r.rows)),
      new RegExp(password),
    );
  });

  void it('scopes a domain admin to named domains and is idempotent with --if-missing', async () => {
    const da = await cli(
      'create-admin',
      '--username=helper',
      '--role=domain-admin',
      '--domains=demo.example',
      '--password=Given-secret-42',
    );
    assert.equal(da.code, 0, da.stderr);
    assert.doesNotMatch(da.stdout, /password:/);
    const scope = await f.pg.query(
      `SELECT domain_id FROM admin_domains ad JOIN admins a ON a.id = ad.admin_id WHERE a.username = 'helper'`,
    );
    assert.deepEqual(scope.rows, [{ domain_id: 1 }]);
    const again = await cli(
      'create-admin',
      '--username=helper',
      '--role=domain-admin',
      '--if-missing',
    );
    assert.equal(again.code, 0);
    assert.equal(again.stdout, 'admin helper exists\n');
    assert.equal((await cli('create-domain', '--name=demo.example', '--if-missing')).code, 0);
  });

  void it('refuses bad input with a message and a non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [['create-admin', '--username=x', '--role=king'], /--role must be one of/],
      [
        ['create-admin', '--username=y', '--role=support', '--domains=nope.example'],
        /unknown domains: nope.example/,
      ],
      [['create-admin', '--username=root', '--role=ops'], /already exists/],
      [['create-admin', '--username=z', '--role=ops', '--password=short'], /at least 10/],
      [
        ['create-backend', '--name=b2', '--imap-host=h', '--imap-port=99999'],
        /imap-port|lmtp-host|admin-secret-ref/,
      ],
      [
        [
          'create-backend',
          '--name=b2',
          '--imap-host=h',
          '--imap-port=143',
          '--lmtp-host=h',
          '--lmtp-port=24',
          '--admin-secret-ref=hunter2',
          '--capacity-bytes=1',
          '--capacity-mailboxes=1',
        ],
        /env:NAME/,
      ],
      [['create-domain', '--name=bad_domain.org'], /not a valid domain/],
      [['create-domain', '--nme=x.org'], /Unknown option/],
      [['frobnicate'], /usage/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
    }
  });
});
