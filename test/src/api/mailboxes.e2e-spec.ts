import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jobIdFor, JobName, Role } from '@roost/core';
import request from 'supertest';
import {
  ApiFixture,
  as,
  findJob,
  listQuery,
  seedAdmin,
  SeededAdmin,
  seedBackend,
  seedDomain,
  seedMailbox,
  startApi,
} from '../factories/api-fixtures';

// Python crypt(3) / `openssl passwd -6 -salt saltsalt password`.
const SHA512 =
  '{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/';

void describe('mailboxes', () => {
  let f: ApiFixture;
  let root: SeededAdmin;
  let da: SeededAdmin;
  let example: number;
  let limited: number;
  let other: number;
  let b1: number;
  let b2: number;

  async function version(id: number): Promise<number> {
    const { rows } = await f.pg.query<{ v: string }>(
      `SELECT (extract(epoch FROM updated_at) * 1000000)::bigint AS v FROM mailboxes WHERE id = $1`,
      [id],
    );
    return Number(rows[0].v);
  }

  before(async () => {
    f = await startApi({ ROOST_MAILBOX_RETENTION_DAYS: '30' });
    b1 = await seedBackend(f.pg, { name: 'cyrus-1' });
    b2 = await seedBackend(f.pg, { name: 'cyrus-2' });
    example = await seedDomain(f.pg, { name: 'example.com', maxQuotaBytes: 10 * 2 ** 30 });
    limited = await seedDomain(f.pg, {
      name: 'limited.org',
      maxMailboxes: 2,
      totalQuotaBytes: 3000,
      defaultQuotaBytes: 1000,
    });
    other = await seedDomain(f.pg, { name: 'other.net' });
    root = await seedAdmin(f.pg, { role: Role.Superadmin });
    da = await seedAdmin(f.pg, { role: Role.DomainAdmin, domainIds: [example, limited] });
  });
  after(() => f.close());

  void it('creates a mailbox with a generated password, shown once, and queues mailbox-create', async () => {
    const res = await as(f, da)
      .post('/api/mailboxes')
      .send({ address: ' Alice@Example.COM ', displayName: 'Alice' })
      .expect(201);
    const m = res.body;
    assert.equal(m.address, 'alice@example.com');
    assert.equal(m.state, 'provisioning');
    assert.ok([b1, b2].includes(m.backendId));
    assert.equal(m.quotaBytes, 1073741824);
    assert.equal(typeof m.generatedPassword, 'string');
    assert.equal(m.passwordHash, undefined);
    assert.equal(m.jobId, jobIdFor(JobName.MailboxCreate, { mailboxId: m.id }));
    assert.equal(m.jobId, `mailbox-create-${m.id}`);
    const job = await findJob(f, JobName.MailboxCreate, m.jobId);
    assert.deepEqual(job?.data, { mailboxId: m.id });
    assert.ok((job?.opts.attempts ?? 0) > 1);

    const stored = await f.pg.query(`SELECT password_hash FROM mailboxes WHERE id = $1`, [m.id]);
    assert.match(stored.rows[0].password_hash, /^\{ARGON2ID\}\$argon2id\$/);
    const audit = await f.pg.query(
      `SELECT * FROM audit_events WHERE action = 'mailbox.create' AND target_id = $1`,
      [String(m.id)],
    );
    assert.equal(audit.rowCount, 1);
    assert.equal(audit.rows[0].actor_id, da.id);
    assert.equal(audit.rows[0].role, 'domain-admin');
    assert.equal(audit.rows[0].domain_id, example);
    assert.doesNotMatch(
      JSON.stringify(audit.rows[0]),
      /argon2|password_hash|passwordHash|generatedPassword/,
    );
    const again = await as(f, da).get(`/api/mailboxes/${m.id}`).expect(200);
    assert.equal(again.body.generatedPassword, undefined);
  });

  void it('places new mailboxes on the least loaded backend, honouring a pinned policy', async () => {
    await f.pg.query(`UPDATE domains SET placement_policy = $2 WHERE id = $1`, [
      other,
      JSON.stringify({ kind: 'pinned', backendIds: [b2] }),
    ]);
    for (const name of ['p1', 'p2', 'p3']) {
      const res = await as(f, root)
        .post('/api/mailboxes')
        .send({ address: `${name}@other.net` })
        .expect(201);
      assert.equal(res.body.backendId, b2);
    }
  });

  void it('accepts a strong password or an imported legacy hash, and refuses weak ones and bad hashes', async () => {
    await as(f, da)
      .post('/api/mailboxes')
      .send({ address: 'bob@example.com', password: 'Correct-Horse-9' })
      .expect(201);
    const legacy = await as(f, da)
      .post('/api/mailboxes')
      .send({ address: 'carol@example.com', passwordHash: SHA512 })
      .expect(201);
    const stored = await f.pg.query(`SELECT password_hash FROM mailboxes WHERE id = $1`, [
      legacy.body.id,
    ]);
    assert.equal(stored.rows[0].password_hash, SHA512);

    const cases: [object, string, RegExp][] = [
      [{ address: 'dave@example.com', password: 'short' }, 'password', /at least 10/],
      [{ address: 'dave@example.com', password: 'dave-is-great-2024' }, 'password', /user name/],
      [
        { address: 'dave@example.com', passwordHash: '{PLAIN}secret' },
        'passwordHash',
        /unsupported/,
      ],
      [
        { address: 'dave@example.com', password: 'Correct-Horse-9', passwordHash: SHA512 },
        'password',
        /not both/,
      ],
    ];
    for (const [body, field, reason] of cases) {
      const res = await as(f, da).post('/api/mailboxes').send(body).expect(400);
      assert.equal(res.body.errors[0].field, field);
      assert.match(res.body.errors[0].reason, reason);
    }
  });

  void it('names the field and reason for bad addresses, unknown domains, duplicates and limits', async () => {
    const cases: [object, number, string, RegExp][] = [
      [{ address: 'no-at-sign' }, 400, 'address', /name@domain/],
      [{ address: 'jürgen@example.com' }, 400, 'address', /ASCII/],
      [{ address: 'x@unknown.example' }, 422, 'address', /not a domain you manage/],
      [{ address: 'x@other.net' }, 422, 'address', /not a domain you manage/],
      [{ address: 'alice@example.com' }, 409, 'address', /already exists/],
      [
        { address: 'big@example.com', quotaBytes: 11 * 2 ** 30 },
        422,
        'quotaBytes',
        /above the domain limit/,
      ],
      [{ address: 'neg@example.com', quotaBytes: -1 }, 400, 'quotaBytes', /negative/],
      [{ address: 'str@example.com', quotaBytes: '100' }, 400, 'quotaBytes', /integer/],
      [{ address: 'x@example.com', extra: 1 }, 400, 'extra', /not a known field/],
    ];
    for (const [body, status, field, reason] of cases) {
      const res = await as(f, da).post('/api/mailboxes').send(body);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.errors[0].field, field);
      assert.match(res.body.errors[0].reason, reason);
    }
    // limited.org: 2 mailboxes at most, 3000 bytes of quota in total.
    await as(f, da)
      .post('/api/mailboxes')
      .send({ address: 'one@limited.org', quotaBytes: 2500 })
      .expect(201);
    const total = await as(f, da)
      .post('/api/mailboxes')
      .send({ address: 'two@limited.org', quotaBytes: 1000 })
      .expect(422);
    assert.match(total.body.errors[0].reason, /total quota/);
    await as(f, da)
      .post('/api/mailboxes')
      .send({ address: 'two@limited.org', quotaBytes: 500 })
      .expect(201);
    const max = await as(f, da)
      .post('/api/mailboxes')
      .send({ address: 'three@limited.org', quotaBytes: 0 })
      .expect(422);
    assert.match(max.body.errors[0].reason, /limit of 2 mailboxes/);
  });

  void it('holds the domain limits under concurrent creations', async () => {
    const d = await seedDomain(f.pg, { name: 'race.org', maxMailboxes: 5 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        as(f, root)
          .post('/api/mailboxes')
          .send({ address: `r${i}@race.org`, quotaBytes: 1 }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(5).fill(201), ...Array(7).fill(422)]);
    const n = await f.pg.query(`SELECT count(*)::int AS n FROM mailboxes WHERE domain_id = $1`, [
      d,
    ]);
    assert.equal(n.rows[0].n, 5);
  });

  void it('refuses to place a mailbox when no backend may take it', async () => {
    const d = await seedDomain(f.pg, { name: 'nowhere.org' });
    await f.pg.query(`UPDATE domains SET placement_policy = $2 WHERE id = $1`, [
      d,
      JSON.stringify({ kind: 'pinned', backendIds: [b1] }),
    ]);
    await f.pg.query(`UPDATE backends SET state = 'draining' WHERE id = $1`, [b1]);
    try {
      const res = await as(f, root)
        .post('/api/mailboxes')
        .send({ address: 'x@nowhere.org' })
        .expect(422);
      assert.match(res.body.errors[0].reason, /no backend/);
    } finally {
      await f.pg.query(`UPDATE backends SET state = 'active' WHERE id = $1`, [b1]);
    }
  });

  void it('lists with sort, range, filter and Content-Range, for one domain and globally', async () => {
    for (const local of ['ab1', 'ab2', 'ab_3', 'abc', 'zed'])
      await seedMailbox(f.pg, {
        domainId: example,
        address: `${local}@example.com`,
        backendId: b1,
        usedBytes: 10,
      });
    await seedMailbox(f.pg, {
      domainId: example,
      address: 'full@example.com',
      backendId: b1,
      quotaBytes: 100,
      usedBytes: 95,
    });
    const page = await as(f, da)
      .get(
        `/api/mailboxes?${listQuery({ sort: ['address', 'DESC'], range: [0, 1], filter: { q: 'ab', domainId: example } })}`,
      )
      .expect(200);
    assert.deepEqual(
      page.body.map((m: { address: string }) => m.address),
      ['abc@example.com', 'ab_3@example.com'],
    );
    assert.equal(page.headers['content-range'], 'mailboxes 0-1/4');
    // `_` is a literal, not a LIKE wildcard.
    const literal = await as(f, da)
      .get(`/api/mailboxes?${listQuery({ filter: { q: 'ab_' } })}`)
      .expect(200);
    assert.deepEqual(
      literal.body.map((m: { address: string }) => m.address),
      ['ab_3@example.com'],
    );
    const global = await as(f, root)
      .get(
        `/api/mailboxes?${listQuery({ sort: ['address', 'ASC'], range: [0, 49], filter: { q: 'p' } })}`,
      )
      .expect(200);
    assert.deepEqual(
      global.body.map((m: { address: string }) => m.address),
      ['p1@other.net', 'p2@other.net', 'p3@other.net'],
    );
    assert.equal(global.headers['content-range'], 'mailboxes 0-2/3');
    const over = await as(f, da)
      .get(`/api/mailboxes?${listQuery({ filter: { overQuotaPercent: 90 } })}`)
      .expect(200);
    assert.deepEqual(
      over.body.map((m: { address: string; usedBytes: number; quotaBytes: number }) => [
        m.address,
        m.usedBytes,
        m.quotaBytes,
      ]),
      [['full@example.com', 95, 100]],
    );
    const states = await as(f, da)
      .get(`/api/mailboxes?${listQuery({ filter: { state: 'provisioning' } })}`)
      .expect(200);
    assert.ok(
      states.body.length > 0 &&
        states.body.every((m: { state: string }) => m.state === 'provisioning'),
    );
    const many = await as(f, da)
      .get(`/api/mailboxes?${listQuery({ filter: { id: [page.body[0].id, 999999] } })}`)
      .expect(200);
    assert.equal(many.body.length, 1);
    const empty = await as(f, da)
      .get(`/api/mailboxes?${listQuery({ range: [1000, 1049] })}`)
      .expect(200);
    assert.deepEqual(empty.body, []);
    assert.match(empty.headers['content-range'], /^mailboxes \*\/\d+$/);
    // A domain admin's list never includes other domains, even when asked.
    const foreign = await as(f, da)
      .get(`/api/mailboxes?${listQuery({ filter: { domainId: other } })}`)
      .expect(200);
    assert.deepEqual(foreign.body, []);
    assert.equal(foreign.headers['content-range'], 'mailboxes */0');
  });

  void it('exposes Content-Range to the console origin through CORS', async () => {
    const res = await request(f.server)
      .get('/api/mailboxes')
      .set('Origin', 'https://console.test')
      .set('Authorization', `Bearer ${root.token}`)
      .expect(200);
    assert.equal(res.headers['access-control-allow-origin'], 'https://console.test');
    assert.match(res.headers['access-control-expose-headers'], /Content-Range/);
  });

  void it('refuses bad sort, range and filter parameters with the field named', async () => {
    const cases: [string, string][] = [
      ['sort=["password_hash","ASC"]', 'sort'],
      ['sort=["address","UP"]', 'sort'],
      ['sort=notjson', 'sort'],
      ['range=[5,1]', 'range'],
      ['range=[0,100000]', 'range'],
      ['range=[-1,5]', 'range'],
      ['filter={"nope":1}', 'filter.nope'],
      ['filter={"state":"sleeping"}', 'filter.state'],
      ['filter={"domainId":"abc"}', 'filter.domainId'],
      ['filter=[1]', 'filter'],
      // names are Unicode, so `q` takes any text but control characters
      ['filter={"q":"a\\u0007"}', 'filter.q'],
      ['other=1', 'other'],
    ];
    for (const [qs, field] of cases) {
      const res = await as(f, root).get(`/api/mailboxes?${encodeURI(qs)}`);
      assert.equal(res.status, 400, qs);
      assert.equal(res.body.errors[0].field, field, qs);
    }
  });

  void it('changes the quota within the limits and queues mailbox-set-quota with a versioned id', async () => {
    const m = (
      await as(f, da).post('/api/mailboxes').send({ address: 'quota@example.com' }).expect(201)
    ).body;
    const res = await as(f, da)
      .put(`/api/mailboxes/${m.id}`)
      .send({ quotaBytes: 2 * 2 ** 30 })
      .expect(200);
    assert.equal(res.body.quotaBytes, 2 * 2 ** 30);
    const expected = jobIdFor(JobName.MailboxSetQuota, { mailboxId: m.id }, await version(m.id));
    assert.equal(res.body.jobId, expected);
    assert.ok(await findJob(f, JobName.MailboxSetQuota, expected));
    const over = await as(f, da)
      .put(`/api/mailboxes/${m.id}`)
      .send({ quotaBytes: 20 * 2 ** 30 })
      .expect(422);
    assert.equal(over.body.errors[0].field, 'quotaBytes');
    // The same quota again changes nothing and queues nothing.
    const same = await as(f, da)
      .put(`/api/mailboxes/${m.id}`)
      .send({ quotaBytes: 2 * 2 ** 30 })
      .expect(200);
    assert.equal(same.body.jobId, undefined);
    const pin = await as(f, da).put(`/api/mailboxes/${m.id}`).send({ pinned: true }).expect(403);
    assert.equal(pin.body.errors[0].field, 'pinned');
    await as(f, root)
      .put(`/api/mailboxes/${m.id}`)
      .send({ pinned: true, displayName: 'Q' })
      .expect(200);
  });

  void it('renames, suspends, activates, deletes with retention and restores, each queued', async () => {
    const id = await seedMailbox(f.pg, {
      domainId: example,
      address: 'erin@example.com',
      backendId: b1,
    });
    const renamed = await as(f, da)
      .post(`/api/mailboxes/${id}/rename`)
      .send({ address: 'erin.smith@example.com' })
      .expect(200);
    assert.equal(renamed.body.address, 'erin.smith@example.com');
    assert.equal(renamed.body.localPart, 'erin.smith');
    const renameJob = jobIdFor(
      JobName.MailboxRename,
      { mailboxId: id, fromAddress: 'erin@example.com' },
      await version(id),
    );
    assert.equal(renamed.body.jobId, renameJob);
    assert.deepEqual((await findJob(f, JobName.MailboxRename, renameJob))?.data, {
      mailboxId: id,
      fromAddress: 'erin@example.com',
    });
    const cross = await as(f, da)
      .post(`/api/mailboxes/${id}/rename`)
      .send({ address: 'erin@limited.org' })
      .expect(422);
    assert.match(cross.body.errors[0].reason, /must stay in example.com/);
    await as(f, da)
      .post(`/api/mailboxes/${id}/rename`)
      .send({ address: 'alice@example.com' })
      .expect(409);

    const suspended = await as(f, da)
      .post(`/api/mailboxes/${id}/suspend`)
      .send({ reason: 'abuse ticket 42' })
      .expect(200);
    assert.equal(suspended.body.state, 'suspended');
    assert.equal(suspended.body.stateReason, 'abuse ticket 42');
    assert.ok(
      await findJob(
        f,
        JobName.MailboxSuspend,
        jobIdFor(JobName.MailboxSuspend, { mailboxId: id }, await version(id)),
      ),
    );
    const twice = await as(f, da).post(`/api/mailboxes/${id}/suspend`).expect(409);
    assert.equal(twice.body.errors[0].field, 'state');
    const active = await as(f, da).post(`/api/mailboxes/${id}/activate`).expect(200);
    assert.equal(active.body.state, 'active');
    assert.ok(
      await findJob(
        f,
        JobName.MailboxActivate,
        jobIdFor(JobName.MailboxActivate, { mailboxId: id }, await version(id)),
      ),
    );

    const deleted = await as(f, da).delete(`/api/mailboxes/${id}`).expect(200);
    assert.equal(deleted.body.state, 'deleting');
    const days = (new Date(deleted.body.deleteAfter).getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `retention ${days}`);
    const deleteJob = await findJob(
      f,
      JobName.MailboxDelete,
      jobIdFor(JobName.MailboxDelete, { mailboxId: id }, await version(id)),
    );
    assert.ok(deleteJob);
    assert.equal(deleteJob.state, 'delayed');
    assert.ok(deleteJob.opts.delay! > 29.9 * 86_400_000);
    await as(f, da).delete(`/api/mailboxes/${id}`).expect(409);
    await as(f, da)
      .post(`/api/mailboxes/${id}/rename`)
      .send({ address: 'x@example.com' })
      .expect(409);

    const restored = await as(f, da).post(`/api/mailboxes/${id}/restore`).expect(200);
    assert.equal(restored.body.state, 'active');
    assert.equal(restored.body.deleteAfter, null);
    const actions = await f.pg.query(
      `SELECT action FROM audit_events WHERE target_id = $1 ORDER BY id`,
      [String(id)],
    );
    assert.deepEqual(
      actions.rows.map((r) => r.action),
      [
        'mailbox.rename',
        'mailbox.suspend',
        'mailbox.activate',
        'mailbox.delete',
        'mailbox.restore',
      ],
    );
  });

  void it("answers 404 alike for a missing mailbox and another domain's", async () => {
    const foreign = await seedMailbox(f.pg, {
      domainId: other,
      address: 'secret@other.net',
      backendId: b1,
    });
    const missing = await as(f, da).get('/api/mailboxes/987654321').expect(404);
    const hidden = await as(f, da).get(`/api/mailboxes/${foreign}`).expect(404);
    assert.deepEqual(missing.body, hidden.body);
    await as(f, da).put(`/api/mailboxes/${foreign}`).send({ displayName: 'x' }).expect(404);
    await as(f, da).delete(`/api/mailboxes/${foreign}`).expect(404);
    await as(f, da).get('/api/mailboxes/abc').expect(400);
  });

  void it('finds mailboxes by a prefix of the name or of any word of it, case-insensitively, within scope', async () => {
    const names = await seedDomain(f.pg, { name: 'names.example' });
    const hidden = await seedDomain(f.pg, { name: 'hidden.example' });
    const people: [number, string, string][] = [
      [names, 'jsmith@names.example', 'John Smith'],
      [names, 'mary@names.example', "Mary-Jane O'Brien"],
      [names, 'jo@names.example', 'Joanna Müller'],
      [names, 'zed@names.example', ''],
      [hidden, 'smithy@hidden.example', 'Anna Smith'],
      [hidden, 'other@hidden.example', 'John Smithson'],
    ];
    for (const [domainId, address, displayName] of people)
      await seedMailbox(f.pg, { domainId, address, displayName, backendId: b1 });
    const namesAdmin = await seedAdmin(f.pg, { role: Role.DomainAdmin, domainIds: [names] });
    const namesSupport = await seedAdmin(f.pg, { role: Role.Support, domainIds: [names] });
    const search = async (who: SeededAdmin, filter: Record<string, unknown>) => {
      const res = await as(f, who)
        .get(`/api/mailboxes?${listQuery({ sort: ['address', 'ASC'], range: [0, 49], filter })}`)
        .expect(200);
      return {
        addresses: res.body.map((m: { address: string }) => m.address) as string[],
        range: res.headers['content-range'],
      };
    };

    // a prefix of the whole name, and of any word of it, in any case
    assert.deepEqual((await search(namesAdmin, { search: 'john' })).addresses, [
      'jsmith@names.example',
    ]);
    const smith = ['jsmith@names.example'];
    const mary = ['mary@names.example'];
    const cases: [string, string[]][] = [
      ['smi', smith],
      ['SMITH', smith],
      ['john sm', smith],
      ['sm john', smith],
      ['jane', mary],
      ["o'brien", mary],
      ['brie', mary],
      ['mary-j', mary],
    ];
    for (const [q, expected] of cases)
      assert.deepEqual((await search(namesAdmin, { search: q })).addresses, expected, `q=${q}`);
    // names are Unicode: both cases of a non-ASCII word
    assert.deepEqual((await search(namesAdmin, { search: 'MÜLL' })).addresses, [
      'jo@names.example',
    ]);
    // the address prefix still works, together with name matches
    assert.deepEqual((await search(namesAdmin, { search: 'jo' })).addresses, [
      'jo@names.example',
      'jsmith@names.example',
    ]);
    // with an @ it is an address only
    assert.deepEqual((await search(namesAdmin, { search: 'john@' })).addresses, []);

    // no leak across domains: the other domain's Smiths are out of scope, and counted out
    const scoped = await search(namesSupport, { search: 'smith' });
    assert.deepEqual(scoped.addresses, ['jsmith@names.example']);
    assert.equal(scoped.range, 'mailboxes 0-0/1');
    assert.deepEqual((await search(namesSupport, { search: 'anna' })).addresses, []);
    // with several domains in scope: theirs only, the address branch included
    const third = await seedDomain(f.pg, { name: 'third.example' });
    await seedMailbox(f.pg, {
      domainId: third,
      address: 'sam@third.example',
      displayName: 'Sam Smithers',
      backendId: b1,
    });
    const twoDomains = await seedAdmin(f.pg, { role: Role.Support, domainIds: [names, third] });
    assert.deepEqual((await search(twoDomains, { search: 'smith' })).addresses, [
      'jsmith@names.example',
      'sam@third.example',
    ]);
    assert.deepEqual((await search(twoDomains, { search: 'sa' })).addresses, ['sam@third.example']);
    assert.deepEqual((await search(twoDomains, { search: 'oth' })).addresses, []);
    const foreign = await search(namesAdmin, { search: 'smith', domainId: hidden });
    assert.deepEqual(foreign.addresses, []);
    assert.equal(foreign.range, 'mailboxes */0');

    // a superadmin searches every domain, or one
    const global = await search(root, { search: 'smith' });
    assert.deepEqual(global.addresses, [
      'jsmith@names.example',
      'other@hidden.example',
      'sam@third.example',
      'smithy@hidden.example',
    ]);
    assert.equal(global.range, 'mailboxes 0-3/4');
    assert.deepEqual((await search(root, { search: 'smith', domainId: hidden })).addresses, [
      'other@hidden.example',
      'smithy@hidden.example',
    ]);
    // control characters are refused; other Unicode is not
    await as(f, root)
      .get(`/api/mailboxes?${listQuery({ filter: { search: 'a\u0000b' } })}`)
      .expect(400);
    // the lists' `q` stays an address prefix: no name matches
    assert.deepEqual((await search(namesAdmin, { q: 'smi' })).addresses, []);
    assert.deepEqual((await search(namesAdmin, { q: 'jo' })).addresses, ['jo@names.example']);
  });

  void it('pages an address-prefix list in both orders exactly as SQL does, in one domain and globally', async () => {
    // The hot list walks the index from one end of the prefix's range and keeps the rows inside
    // it: pages across the range's ends, in both orders, with neighbours just outside it.
    const walk = await seedDomain(f.pg, { name: 'walk.example' });
    await f.pg.query(
      `INSERT INTO mailboxes (domain_id, local_part, address, password_hash, quota_bytes, backend_id, state)
       SELECT $1, l, l || '@walk.example', 'x', 1, $2, 'active'
         FROM (SELECT p || lpad(i::text, 3, '0') AS l
                 FROM unnest(ARRAY['wa', 'wb', 'wc', 'w_', 'w']) p, generate_series(1, 70) i) t`,
      [walk, b1],
    );
    const expected = async (column: string, like: string, desc: boolean, domain?: number) =>
      (
        await f.pg.query<{ address: string }>(
          `SELECT address FROM mailboxes WHERE ${column} LIKE $1 ${domain ? 'AND domain_id = $2' : ''}
            ORDER BY ${column} ${desc ? 'DESC' : 'ASC'}`,
          domain ? [like, domain] : [like],
        )
      ).rows.map((r) => r.address);
    for (const [q, like] of [
      ['wb', 'wb%'],
      ['w_', 'w\\_%'],
      ['w', 'w%'],
    ] as const) {
      for (const desc of [false, true]) {
        const inDomain = await expected('local_part', like, desc, walk);
        const global = await expected('address', like, desc);
        for (const [first, last] of [
          [0, 49],
          [50, 99],
          [60, 69],
          [300, 349],
        ]) {
          const get = (filter: object) =>
            as(f, root)
              .get(
                `/api/mailboxes?${listQuery({ sort: ['address', desc ? 'DESC' : 'ASC'], range: [first, last], filter })}`,
              )
              .expect(200);
          const one = await get({ q, domainId: walk });
          const what = `q=${q} ${desc ? 'DESC' : 'ASC'} ${first}-${last}`;
          assert.deepEqual(
            one.body.map((m: { address: string }) => m.address),
            inDomain.slice(first, last + 1),
            what,
          );
          assert.match(one.headers['content-range'], new RegExp(`/${inDomain.length}$`), what);
          const all = await get({ q });
          assert.deepEqual(
            all.body.map((m: { address: string }) => m.address),
            global.slice(first, last + 1),
            `global ${what}`,
          );
        }
      }
    }
  });

  void it('pages a name search with more than 1,000 matches in address order', async () => {
    const many = await seedDomain(f.pg, { name: 'many.example' });
    // 1,200 Quinns whose addresses do not start with "quinn", 20 whose addresses do, and
    // others: the page merges the address matches with the sorted name matches.
    await f.pg.query(
      `INSERT INTO mailboxes (domain_id, local_part, address, display_name, password_hash, quota_bytes, backend_id, state)
       SELECT $1, l, l || '@many.example', n, 'x', 1, $2, 'active'
         FROM (SELECT 'u' || lpad(i::text, 4, '0') AS l,
                      CASE i % 3 WHEN 0 THEN 'Pat Quinn' WHEN 1 THEN 'Quinlan Pat' ELSE 'Jo Other' END AS n
                 FROM generate_series(1, 1800) i
               UNION ALL
               SELECT 'quinn' || i, '' FROM generate_series(1, 20) i) t(l, n)`,
      [many, b1],
    );
    const { rows } = await f.pg.query<{ address: string }>(
      `SELECT address FROM mailboxes WHERE domain_id = $1
          AND (local_part LIKE 'quin%' OR display_name ~ '(^| )Quin') ORDER BY local_part`,
      [many],
    );
    assert.equal(rows.length, 1220);
    // within one domain, "address" order is the local part's
    const expected = rows.map((r) => r.address);
    for (const [first, last] of [
      [0, 49],
      [1000, 1049],
      [1200, 1249],
    ]) {
      const res = await as(f, root)
        .get(
          `/api/mailboxes?${listQuery({ sort: ['address', 'ASC'], range: [first, last], filter: { search: 'Quin', domainId: many } })}`,
        )
        .expect(200);
      assert.deepEqual(
        res.body.map((m: { address: string }) => m.address),
        expected.slice(first, last + 1),
        `range ${first}-${last}`,
      );
      assert.match(res.headers['content-range'], /^mailboxes \d+-\d+\/\d+$/);
      const total = Number(res.headers['content-range'].split('/')[1]);
      assert.ok(total > 1000, `an estimated total above the cap, got ${total}`);
    }
    // across every domain: address order (C collation), the address branch on the address index
    const global = await f.pg.query<{ address: string }>(
      `SELECT address FROM mailboxes
        WHERE address LIKE 'quin%' OR display_name ~* '(^|[^[:alnum:]])quin' ORDER BY address`,
    );
    for (const [first, last] of [
      [0, 49],
      [1100, 1149],
    ]) {
      const res = await as(f, root)
        .get(
          `/api/mailboxes?${listQuery({ sort: ['address', 'ASC'], range: [first, last], filter: { search: 'quin' } })}`,
        )
        .expect(200);
      assert.deepEqual(
        res.body.map((m: { address: string }) => m.address),
        global.rows.slice(first, last + 1).map((r) => r.address),
        `global range ${first}-${last}`,
      );
    }
    const desc = await as(f, root)
      .get(
        `/api/mailboxes?${listQuery({ sort: ['address', 'DESC'], range: [0, 9], filter: { search: 'quin', domainId: many } })}`,
      )
      .expect(200);
    assert.deepEqual(
      desc.body.map((m: { address: string }) => m.address),
      [...expected].reverse().slice(0, 10),
    );
  });
});
