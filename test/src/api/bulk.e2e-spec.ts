import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobName, Role } from '@roost/core';
import {
  ApiFixture,
  as,
  findJob,
  seedAdmin,
  SeededAdmin,
  seedBackend,
  seedDomain,
  seedMailbox,
  startApi,
  tablesChecksum,
} from '../factories/api-fixtures';

const SHA512 =
  '{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/';

void describe('bulk CSV export and import', () => {
  let f: ApiFixture;
  let da: SeededAdmin;
  let root: SeededAdmin;
  let example: number;

  before(async () => {
    f = await startApi();
    const backend = await seedBackend(f.pg);
    example = await seedDomain(f.pg, {
      name: 'example.com',
      maxMailboxes: 6,
      maxQuotaBytes: 10_000,
      defaultQuotaBytes: 100,
    });
    const other = await seedDomain(f.pg, { name: 'other.net' });
    da = await seedAdmin(f.pg, { role: Role.DomainAdmin, domainIds: [example] });
    root = await seedAdmin(f.pg, { role: Role.Superadmin });
    await seedMailbox(f.pg, {
      domainId: example,
      address: 'existing@example.com',
      backendId: backend,
      quotaBytes: 100,
    });
    await seedMailbox(f.pg, { domainId: other, address: 'secret@other.net', backendId: backend });
  });
  after(() => f.close());

  void it("reports every row's errors in a dry run and writes nothing", async () => {
    const before = await tablesChecksum(f.pg);
    const csv = [
      'address,display_name,quota_bytes,password,password_hash',
      'good1@example.com,Good One,1000,,',
      'bad address,,,,',
      'existing@example.com,,,,',
      'toobig@example.com,,20000,,',
      'x@other.net,,,,',
      'weak@example.com,,,short,',
      `legacy@example.com,,,,${SHA512}`,
      'good1@example.com,,,,',
      'neg@example.com,,-5,,',
    ].join('\n');
    const res = await as(f, da)
      .post('/api/bulk/mailboxes/import')
      .send({ csv, dryRun: true })
      .expect(200);
    assert.equal(res.body.dryRun, true);
    assert.equal(res.body.ok, false);
    assert.equal(res.body.rows, 9);
    const byRow = res.body.errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`);
    assert.deepEqual(byRow, [
      '2:address',
      '3:address',
      '4:quotaBytes',
      '5:address',
      '6:password',
      '8:address',
      '9:quota_bytes',
    ]);
    assert.equal(await tablesChecksum(f.pg), before);
  });

  void it('applies all rows or none', async () => {
    const before = await tablesChecksum(f.pg);
    const failing = 'address,quota_bytes\nnew1@example.com,100\nnew2@example.com,999999\n';
    const res = await as(f, da)
      .post('/api/bulk/mailboxes/import')
      .send({ csv: failing, dryRun: false })
      .expect(422);
    assert.equal(res.body.errors.length, 1);
    assert.equal(res.body.errors[0].row, 2);
    assert.equal(await tablesChecksum(f.pg), before);

    const good = `address,display_name,quota_bytes,password_hash,state\nnew1@example.com,New One,100,,active\nnew2@example.com,=cmd(),200,${SHA512},\n`;
    const dry = await as(f, da)
      .post('/api/bulk/mailboxes/import')
      .send({ csv: good, dryRun: true })
      .expect(200);
    assert.equal(dry.body.ok, true);
    assert.equal(await tablesChecksum(f.pg), before);
    const applied = await as(f, da)
      .post('/api/bulk/mailboxes/import')
      .send({ csv: good, dryRun: false, reason: 'migration' })
      .expect(200);
    assert.equal(applied.body.ok, true);
    assert.equal(applied.body.created.length, 2);
    assert.equal(typeof applied.body.created[0].generatedPassword, 'string');
    assert.equal(applied.body.created[1].generatedPassword, undefined);
    for (const c of applied.body.created) {
      assert.equal(c.jobId, `mailbox-create-${c.id}`);
      assert.ok(await findJob(f, JobName.MailboxCreate, c.jobId));
    }
    const rows = await f.pg.query(
      `SELECT address, state, password_hash FROM mailboxes WHERE address LIKE 'new%' ORDER BY address`,
    );
    assert.deepEqual(
      rows.rows.map((r) => [r.address, r.state]),
      [
        ['new1@example.com', 'provisioning'],
        ['new2@example.com', 'provisioning'],
      ],
    );
    assert.equal(rows.rows[1].password_hash, SHA512);
    const audit = await f.pg.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'mailbox.create' AND reason = 'migration'`,
    );
    assert.equal(audit.rows[0].n, 2);
  });

  void it('counts limits across the rows of one file', async () => {
    // example.com holds 3 mailboxes and allows 6.
    const csv = ['address', ...[1, 2, 3, 4].map((i) => `many${i}@example.com`)].join('\n');
    const res = await as(f, da)
      .post('/api/bulk/mailboxes/import')
      .send({ csv, dryRun: true })
      .expect(200);
    assert.deepEqual(
      res.body.errors.map((e: { row: number }) => e.row),
      [4],
    );
  });

  void it('exports the mailboxes and aliases in scope, without secrets, ready to edit and re-import', async () => {
    const res = await as(f, da)
      .get('/api/bulk/mailboxes.csv')
      .expect(200)
      .expect('Content-Type', /text\/csv/);
    const lines = res.text.trim().split('\r\n');
    assert.equal(
      lines[0],
      'id,address,display_name,quota_bytes,used_bytes,used_synced_at,state,backend_id,pinned,created_at',
    );
    assert.equal(lines.length, 4);
    assert.doesNotMatch(res.text, /other\.net|argon2|SHA512|\$6\$/);
    assert.match(res.text, /,'=cmd\(\),/);
    const all = await as(f, root)
      .get(
        `/api/bulk/mailboxes.csv?filter=${encodeURIComponent(JSON.stringify({ domainId: example }))}`,
      )
      .expect(200);
    assert.equal(all.text.trim().split('\r\n').length, 4);

    await as(f, da)
      .post('/api/bulk/aliases/import')
      .send({
        csv: 'address,targets\nteam@example.com,new1@example.com new2@example.com\n@example.com,existing@example.com\n',
        dryRun: false,
      })
      .expect(200);
    const aliases = await as(f, da).get('/api/bulk/aliases.csv').expect(200);
    assert.match(aliases.text, /team@example\.com,new1@example\.com new2@example\.com,true/);
    assert.match(aliases.text, /@example\.com,existing@example\.com,true/);
    // Re-importing the export reports the duplicates instead of writing anything.
    const again = await as(f, da)
      .post('/api/bulk/aliases/import')
      .send({ csv: aliases.text, dryRun: true })
      .expect(200);
    assert.equal(again.body.ok, false);
    assert.ok(again.body.errors.every((e: { reason: string }) => /already exists/.test(e.reason)));
  });

  void it('refuses alias loops inside one file', async () => {
    const csv =
      'address,targets\nloop1@example.com,loop2@example.com\nloop2@example.com,loop1@example.com\n';
    const res = await as(f, da)
      .post('/api/bulk/aliases/import')
      .send({ csv, dryRun: true })
      .expect(200);
    assert.deepEqual(
      res.body.errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`),
      ['2:targets'],
    );
  });

  void it('names problems with the file itself', async () => {
    const cases: [string, string][] = [
      ['', 'csv'],
      ['address,password_hash2\na@example.com,x\n', 'column 2'],
      ['display_name\nx\n', 'address'],
      ['address\n"broken\n', 'csv'],
    ];
    for (const [csv, field] of cases) {
      const res = await as(f, da)
        .post('/api/bulk/mailboxes/import')
        .send({ csv, dryRun: true })
        .expect(200);
      assert.equal(res.body.errors[0].field, field, csv);
    }
    await as(f, da)
      .post('/api/bulk/mailboxes/import')
      .send({ csv: 'address\n', dryRun: 'yes' })
      .expect(400);
  });
});
