import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Role } from '@roost/core';
import {
  ApiFixture,
  as,
  listQuery,
  seedAdmin,
  SeededAdmin,
  seedAlias,
  seedBackend,
  seedDomain,
  seedMailbox,
  startApi,
} from '../factories/api-fixtures';

void describe('aliases and alias domains', () => {
  let f: ApiFixture;
  let root: SeededAdmin;
  let da: SeededAdmin;
  let example: number;
  let small: number;
  let other: number;

  before(async () => {
    f = await startApi();
    const backend = await seedBackend(f.pg);
    example = await seedDomain(f.pg, { name: 'example.com' });
    small = await seedDomain(f.pg, { name: 'small.org', maxAliases: 1 });
    other = await seedDomain(f.pg, { name: 'other.net' });
    root = await seedAdmin(f.pg, { role: Role.Superadmin });
    da = await seedAdmin(f.pg, { role: Role.DomainAdmin, domainIds: [example, small] });
    await seedMailbox(f.pg, {
      domainId: example,
      address: 'alice@example.com',
      backendId: backend,
    });
    await seedMailbox(f.pg, { domainId: example, address: 'bob@example.com', backendId: backend });
  });
  after(() => f.close());

  void it('creates an alias with several targets, normalised and de-duplicated, and audits it', async () => {
    const res = await as(f, da)
      .post('/api/aliases')
      .send({
        address: 'Sales@Example.com',
        targets: ['alice@example.com', 'BOB@example.com', 'bob@example.com', 'ext@partner.net'],
      })
      .expect(201);
    assert.equal(res.body.address, 'sales@example.com');
    assert.equal(res.body.localPart, 'sales');
    assert.deepEqual(res.body.targets, ['alice@example.com', 'bob@example.com', 'ext@partner.net']);
    const audit = await f.pg.query(
      `SELECT action, domain_id FROM audit_events WHERE target_type = 'alias' AND target_id = $1`,
      [String(res.body.id)],
    );
    assert.deepEqual(audit.rows, [{ action: 'alias.create', domain_id: example }]);
    await as(f, da)
      .post('/api/aliases')
      .send({ address: 'sales@example.com', targets: ['alice@example.com'] })
      .expect(409);
  });

  void it('creates the catch-all @domain and lists it', async () => {
    const res = await as(f, da)
      .post('/api/aliases')
      .send({ address: '@example.com', targets: ['alice@example.com'] })
      .expect(201);
    assert.equal(res.body.localPart, '');
    assert.equal(res.body.address, '@example.com');
    const list = await as(f, da)
      .get(`/api/aliases?${listQuery({ filter: { domainId: example }, sort: ['address', 'ASC'] })}`)
      .expect(200);
    assert.deepEqual(
      list.body.map((a: { address: string }) => a.address),
      ['@example.com', 'sales@example.com'],
    );
    assert.equal(list.headers['content-range'], 'aliases 0-1/2');
    const byTarget = await as(f, da)
      .get(`/api/aliases?${listQuery({ filter: { target: 'ext@partner.net' } })}`)
      .expect(200);
    assert.equal(byTarget.body.length, 1);
  });

  void it('refuses self-references and loops, directly, through chains, catch-alls and alias domains', async () => {
    const cases: [object, string, RegExp][] = [
      [{ address: 'self@example.com', targets: ['self@example.com'] }, 'targets', /loop/],
      [
        { address: 'loop-a@example.com', targets: ['sales@example.com', 'loop-a@example.com'] },
        'targets',
        /loop/,
      ],
      [{ address: 'bad@example.com', targets: ['not an address'] }, 'targets.0', /name@domain/],
      [
        { address: 'bad@example.com', targets: ['ok@example.com', 'ünï@example.com'] },
        'targets.1',
        /ASCII/,
      ],
      [{ address: 'bad@example.com', targets: [] }, 'targets', /at least one/],
      [{ address: 'bad@example.com', targets: 'alice@example.com' }, 'targets', /array/],
      [{ address: 'bad@@example.com', targets: ['alice@example.com'] }, 'address', /./],
      [
        { address: 'x@other.net', targets: ['alice@example.com'] },
        'address',
        /not a domain you manage/,
      ],
    ];
    for (const [body, field, reason] of cases) {
      const res = await as(f, da).post('/api/aliases').send(body);
      assert.ok(res.status >= 400 && res.status < 500, JSON.stringify(res.body));
      assert.equal(res.body.errors[0].field, field, JSON.stringify(res.body));
      assert.match(res.body.errors[0].reason, reason);
    }
    // A -> B, then B -> A closes a loop.
    const a = await as(f, da)
      .post('/api/aliases')
      .send({ address: 'a@example.com', targets: ['b@example.com'] })
      .expect(201);
    const b = await as(f, da)
      .post('/api/aliases')
      .send({ address: 'b@example.com', targets: ['c@example.com'] })
      .expect(201);
    const loop = await as(f, da)
      .post('/api/aliases')
      .send({ address: 'c@example.com', targets: ['a@example.com'] })
      .expect(422);
    assert.match(loop.body.errors[0].reason, /loop/);
    // Changing targets is checked too.
    const upd = await as(f, da)
      .put(`/api/aliases/${b.body.id}`)
      .send({ targets: ['a@example.com'] })
      .expect(422);
    assert.match(upd.body.errors[0].reason, /loop/);
    // The catch-all catches c@example.com (no mailbox, no alias) and sends it to alice: no loop.
    await as(f, da)
      .put(`/api/aliases/${a.body.id}`)
      .send({ targets: ['bob@example.com', 'b@example.com'] })
      .expect(200);
    // An alias to an address of an alias domain that maps back to it.
    await as(f, root)
      .post('/api/alias-domains')
      .send({ name: 'example.net', targetDomainId: example })
      .expect(201);
    const viaDomain = await as(f, da)
      .post('/api/aliases')
      .send({ address: 'd@example.com', targets: ['d@example.net'] })
      .expect(422);
    assert.match(viaDomain.body.errors[0].reason, /loop/);
    // A forward that keeps a copy in the mailbox at the same address is fine.
    await as(f, da)
      .post('/api/aliases')
      .send({ address: 'alice@example.com', targets: ['alice@example.com', 'x@remote.org'] })
      .expect(201);
  });

  void it('counts aliases against the domain limit', async () => {
    await as(f, da)
      .post('/api/aliases')
      .send({ address: 'one@small.org', targets: ['alice@example.com'] })
      .expect(201);
    const res = await as(f, da)
      .post('/api/aliases')
      .send({ address: 'two@small.org', targets: ['alice@example.com'] })
      .expect(422);
    assert.match(res.body.errors[0].reason, /limit of 1 aliases/);
  });

  void it("hides other domains' aliases behind 404 and keeps lists in scope", async () => {
    const foreign = await seedAlias(f.pg, {
      domainId: other,
      address: 'hidden@other.net',
      targets: ['x@y.org'],
    });
    await as(f, da).get(`/api/aliases/${foreign}`).expect(404);
    await as(f, da).put(`/api/aliases/${foreign}`).send({ active: false }).expect(404);
    await as(f, da).delete(`/api/aliases/${foreign}`).expect(404);
    const list = await as(f, da)
      .get(`/api/aliases?${listQuery({ range: [0, 99] })}`)
      .expect(200);
    assert.ok(list.body.every((a: { domainId: number }) => a.domainId !== other));
    const mine = await as(f, da)
      .get(`/api/aliases?${listQuery({ filter: { q: 'sales' } })}`)
      .expect(200);
    await as(f, da).delete(`/api/aliases/${mine.body[0].id}`).expect(200);
    await as(f, da).get(`/api/aliases/${mine.body[0].id}`).expect(404);
  });

  void it('manages alias domains as superadmin; domain admins only read their own', async () => {
    const list = await as(f, da).get('/api/alias-domains').expect(200);
    assert.deepEqual(
      list.body.map((d: { name: string }) => d.name),
      ['example.net'],
    );
    await as(f, da)
      .post('/api/alias-domains')
      .send({ name: 'mine.org', targetDomainId: example })
      .expect(403);
    await as(f, root)
      .post('/api/alias-domains')
      .send({ name: 'example.com', targetDomainId: other })
      .expect(409);
    await as(f, root)
      .post('/api/alias-domains')
      .send({ name: 'example.net', targetDomainId: other })
      .expect(409);
    const unknown = await as(f, root)
      .post('/api/alias-domains')
      .send({ name: 'new.org', targetDomainId: 99999 })
      .expect(422);
    assert.equal(unknown.body.errors[0].field, 'targetDomainId');
    const foreign = await as(f, root)
      .post('/api/alias-domains')
      .send({ name: 'other.org', targetDomainId: other })
      .expect(201);
    await as(f, da).get(`/api/alias-domains/${foreign.body.id}`).expect(404);
    await as(f, root)
      .put(`/api/alias-domains/${foreign.body.id}`)
      .send({ active: false })
      .expect(200);
    await as(f, root).delete(`/api/alias-domains/${foreign.body.id}`).expect(200);
    // A domain cannot be created over an alias domain's name.
    await as(f, root).post('/api/domains').send({ name: 'example.net' }).expect(409);
  });
});
