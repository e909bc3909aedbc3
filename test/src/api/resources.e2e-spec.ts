import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Role } from '@roost/core';
import request from 'supertest';
import {
  ApiFixture,
  as,
  listQuery,
  seedAdmin,
  seedAlias,
  SeededAdmin,
  seedBackend,
  seedDomain,
  seedMailbox,
  startApi,
} from '../factories/api-fixtures';

const BACKEND = {
  name: 'cyrus-9',
  imapHost: 'cyrus9.internal',
  imapPort: 143,
  lmtpHost: 'cyrus9.internal',
  lmtpPort: 24,
  sievePort: 4190,
  adminSecretRef: 'env:CYRUS9_PASSWORD',
  capacityBytes: 10 * 2 ** 40,
  capacityMailboxes: 50000,
};

void describe('domains, backends, admins and audit', () => {
  let f: ApiFixture;
  let root: SeededAdmin;
  let ops: SeededAdmin;
  let da: SeededAdmin;
  let support: SeededAdmin;
  let example: number;
  let other: number;

  before(async () => {
    f = await startApi();
    example = await seedDomain(f.pg, { name: 'example.com' });
    other = await seedDomain(f.pg, { name: 'other.net' });
    root = await seedAdmin(f.pg, { role: Role.Superadmin, username: 'root' });
    ops = await seedAdmin(f.pg, { role: Role.Ops });
    da = await seedAdmin(f.pg, { role: Role.DomainAdmin, domainIds: [example] });
    support = await seedAdmin(f.pg, { role: Role.Support, domainIds: [example] });
  });
  after(() => f.close());

  void it('creates a domain with limits and a placement policy, and names bad values', async () => {
    const res = await as(f, root)
      .post('/api/domains')
      .send({
        name: 'New.Example.ORG',
        maxMailboxes: 100,
        maxAliases: 50,
        maxQuotaBytes: 5 * 2 ** 30,
        totalQuotaBytes: 100 * 2 ** 30,
        defaultQuotaBytes: 2 ** 30,
        placementPolicy: { kind: 'any' },
      })
      .expect(201);
    assert.equal(res.body.name, 'new.example.org');
    assert.equal(res.body.maxQuotaBytes, 5 * 2 ** 30);
    const cases: [object, number, string][] = [
      [{ name: 'bad_domain' }, 400, 'name'],
      [{ name: 'nodot' }, 400, 'name'],
      [{ name: 'müller.de' }, 400, 'name'],
      [{ name: 'example.com' }, 409, 'name'],
      [{ name: 'x.org', maxMailboxes: -1 }, 400, 'maxMailboxes'],
      [{ name: 'x.org', maxQuotaBytes: 10, defaultQuotaBytes: 20 }, 400, 'defaultQuotaBytes'],
      [
        { name: 'x.org', placementPolicy: { kind: 'pinned', backendIds: [424242] } },
        400,
        'placementPolicy',
      ],
      [
        {
          name: 'x.org',
          placementPolicy: { kind: 'rules', rules: [{ from: 'z', to: 'a', backendId: 1 }] },
        },
        400,
        'placementPolicy.rules.0.to',
      ],
    ];
    for (const [body, status, field] of cases) {
      const r = await as(f, root).post('/api/domains').send(body);
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body.errors[0].field, field);
    }
    const upd = await as(f, root)
      .put(`/api/domains/${res.body.id}`)
      .send({ maxMailboxes: null, active: false })
      .expect(200);
    assert.equal(upd.body.maxMailboxes, null);
    assert.equal(upd.body.active, false);
    await as(f, root).put(`/api/domains/${res.body.id}`).send({ name: 'rename.org' }).expect(400);
    await as(f, root)
      .put(`/api/domains/${res.body.id}`)
      .send({ defaultQuotaBytes: null })
      .expect(400);
    const audit = await f.pg.query(
      `SELECT action FROM audit_events WHERE target_type = 'domain' AND target_id = $1 ORDER BY id`,
      [String(res.body.id)],
    );
    assert.deepEqual(
      audit.rows.map((r) => r.action),
      ['domain.create', 'domain.update'],
    );
    await as(f, root).delete(`/api/domains/${res.body.id}`).expect(200);
  });

  void it('shows domains by scope, with usage, and refuses to delete one that holds mailboxes', async () => {
    const list = await as(f, da).get('/api/domains').expect(200);
    assert.deepEqual(
      list.body.map((d: { name: string }) => d.name),
      ['example.com'],
    );
    assert.equal(list.headers['content-range'], 'domains 0-0/1');
    await as(f, da).get(`/api/domains/${other}`).expect(404);
    const all = await as(f, support)
      .get(`/api/domains?${listQuery({ filter: { q: 'oth' } })}`)
      .expect(200);
    assert.deepEqual(all.body, []);
    const opsList = await as(f, ops)
      .get(`/api/domains?${listQuery({ filter: { q: 'oth' } })}`)
      .expect(200);
    assert.equal(opsList.body.length, 1);
    const b = await seedBackend(f.pg);
    await seedMailbox(f.pg, {
      domainId: example,
      address: 'u1@example.com',
      backendId: b,
      quotaBytes: 1000,
      usedBytes: 10,
    });
    await seedAlias(f.pg, {
      domainId: example,
      address: 'sales@example.com',
      targets: ['u1@example.com'],
    });
    const usage = { mailboxes: 1, aliases: 1, quotaAllocatedBytes: 1000, usedBytes: 10 };
    const one = await as(f, da).get(`/api/domains/${example}`).expect(200);
    assert.deepEqual(one.body.usage, usage);
    // each row of a list page carries its usage too (the console's usage bars)
    const rows = await as(f, ops)
      .get(`/api/domains?${listQuery({ sort: ['name', 'ASC'] })}`)
      .expect(200);
    const usageByName = Object.fromEntries(
      (rows.body as { name: string; usage: unknown }[]).map((d) => [d.name, d.usage]),
    );
    assert.deepEqual(usageByName['example.com'], usage);
    assert.deepEqual(usageByName['other.net'], {
      mailboxes: 0,
      aliases: 0,
      quotaAllocatedBytes: 0,
      usedBytes: 0,
    });
    const del = await as(f, root).delete(`/api/domains/${example}`).expect(409);
    assert.match(del.body.errors[0].reason, /mailboxes/);
  });

  void it('manages backends with live fill figures (superadmin and ops)', async () => {
    const created = await as(f, ops).post('/api/backends').send(BACKEND).expect(201);
    const id: number = created.body.id;
    assert.equal(created.body.state, 'active');
    assert.equal(created.body.adminUser, 'cyrus');
    assert.equal(created.body.mailboxCount, 0);
    await seedMailbox(f.pg, {
      domainId: other,
      address: 'f1@other.net',
      backendId: id,
      quotaBytes: 3000,
      usedBytes: 1000,
    });
    await seedMailbox(f.pg, {
      domainId: other,
      address: 'f2@other.net',
      backendId: id,
      quotaBytes: 3000,
      usedBytes: 500,
    });
    const got = await as(f, root).get(`/api/backends/${id}`).expect(200);
    assert.equal(got.body.mailboxCount, 2);
    assert.equal(got.body.usedBytes, 1500);
    assert.equal(got.body.quotaAllocatedBytes, 6000);
    assert.equal(got.body.fillPercent, 0);
    const drained = await as(f, ops)
      .put(`/api/backends/${id}`)
      .send({ state: 'draining', weight: 0 })
      .expect(200);
    assert.equal(drained.body.state, 'draining');
    const audit = await f.pg.query(
      `SELECT action FROM audit_events WHERE target_type = 'backend' AND target_id = $1 ORDER BY id`,
      [String(id)],
    );
    assert.deepEqual(
      audit.rows.map((r) => r.action),
      ['backend.create', 'backend.state-draining'],
    );
    const list = await as(f, ops)
      .get(`/api/backends?${listQuery({ filter: { state: 'draining' } })}`)
      .expect(200);
    assert.deepEqual(
      list.body.map((x: { id: number }) => x.id),
      [id],
    );
    const cases: [object, string][] = [
      [{ ...BACKEND, name: 'cyrus-9' }, 'name'],
      [{ ...BACKEND, name: 'Cyrus 10' }, 'name'],
      [{ ...BACKEND, name: 'c10', imapPort: 70000 }, 'imapPort'],
      [{ ...BACKEND, name: 'c10', adminSecretRef: 'hunter2' }, 'adminSecretRef'],
      [{ ...BACKEND, name: 'c10', capacityBytes: 0 }, 'capacityBytes'],
      [{ ...BACKEND, name: 'c10', state: 'broken' }, 'state'],
      [{ ...BACKEND, name: 'c10', imapHost: 'bad host!' }, 'imapHost'],
    ];
    for (const [body, field] of cases) {
      const r = await as(f, root).post('/api/backends').send(body);
      assert.ok(r.status === 400 || r.status === 409, JSON.stringify(r.body));
      assert.equal(r.body.errors[0].field, field);
    }
    const busy = await as(f, root).delete(`/api/backends/${id}`).expect(409);
    assert.match(busy.body.errors[0].reason, /mailboxes/);
    const empty = await as(f, root)
      .post('/api/backends')
      .send({ ...BACKEND, name: 'cyrus-empty' })
      .expect(201);
    await as(f, root).delete(`/api/backends/${empty.body.id}`).expect(200);
    await as(f, da).get('/api/backends').expect(403);
    await as(f, support).get(`/api/backends/${id}`).expect(403);
  });

  void it('manages admins and their scopes (superadmin only), never leaving no superadmin', async () => {
    const created = await as(f, root)
      .post('/api/admins')
      .send({ username: 'helpdesk', role: 'support', domainIds: [example, other] })
      .expect(201);
    assert.deepEqual(created.body.domainIds, [example, other]);
    const password: string = created.body.generatedPassword;
    await request(f.server)
      .post('/api/auth/login')
      .send({ username: 'helpdesk', password })
      .expect(200);
    const scoped = await as(f, root)
      .put(`/api/admins/${created.body.id}`)
      .send({ domainIds: [other] })
      .expect(200);
    assert.deepEqual(scoped.body.domainIds, [other]);
    const cases: [object, number, string][] = [
      [{ username: 'helpdesk', role: 'support' }, 409, 'username'],
      [{ username: 'Bad Name', role: 'support' }, 400, 'username'],
      [{ username: 'x1', role: 'king' }, 400, 'role'],
      [{ username: 'x1', role: 'ops', domainIds: [example] }, 400, 'domainIds'],
      [{ username: 'x1', role: 'support', domainIds: [999999] }, 422, 'domainIds'],
      [{ username: 'x1', role: 'support', password: 'short' }, 400, 'password'],
    ];
    for (const [body, status, field] of cases) {
      const r = await as(f, root).post('/api/admins').send(body);
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body.errors[0].field, field);
    }
    // Deactivating ends the sessions and API tokens.
    const victim = await seedAdmin(f.pg, { role: Role.Ops });
    await as(f, victim).get('/api/backends').expect(200);
    await as(f, root).put(`/api/admins/${victim.id}`).send({ active: false }).expect(200);
    await as(f, victim).get('/api/backends').expect(401);
    // The last active superadmin stays.
    const demote = await as(f, root)
      .put(`/api/admins/${root.id}`)
      .send({ role: 'ops' })
      .expect(409);
    assert.equal(demote.body.errors[0].field, 'role');
    await as(f, root).delete(`/api/admins/${root.id}`).expect(409);
    const audit = await f.pg.query(
      `SELECT before, after FROM audit_events WHERE target_type = 'admin'`,
    );
    assert.doesNotMatch(JSON.stringify(audit.rows), /argon2|passwordHash|password_hash|totpSecret/);
    for (const who of [ops, da, support]) await as(f, who).get('/api/admins').expect(403);
  });

  void it('lists audit events by scope: all, own domains, own actions', async () => {
    await as(f, da).post('/api/mailboxes').send({ address: 'audited@example.com' });
    const all = await as(f, ops)
      .get(`/api/audit?${listQuery({ range: [0, 499] })}`)
      .expect(200);
    const mine = await as(f, da)
      .get(`/api/audit?${listQuery({ range: [0, 499] })}`)
      .expect(200);
    const own = await as(f, support).get('/api/audit').expect(200);
    assert.ok(all.body.length > mine.body.length);
    assert.ok(mine.body.length > 0);
    assert.ok(mine.body.every((e: { domainId: number }) => e.domainId === example));
    assert.ok(own.body.every((e: { actorId: number }) => e.actorId === support.id));
    const filtered = await as(f, root)
      .get(`/api/audit?${listQuery({ filter: { action: 'admin.create' } })}`)
      .expect(200);
    assert.ok(
      filtered.body.length >= 1 &&
        filtered.body.every((e: { action: string }) => e.action === 'admin.create'),
    );
    const foreign = all.body.find((e: { domainId: number | null }) => e.domainId === other);
    if (foreign) await as(f, da).get(`/api/audit/${foreign.id}`).expect(404);
    await as(f, root).get(`/api/audit/${all.body[0].id}`).expect(200);
    await as(f, root).post('/api/audit').send({}).expect(404);
  });
});
