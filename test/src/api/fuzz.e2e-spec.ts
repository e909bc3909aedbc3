import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobName, Role } from '@roost/core';
import request from 'supertest';
import {
  ApiFixture,
  jobIds,
  seedAdmin,
  SeededAdmin,
  seedAlias,
  seedBackend,
  seedDomain,
  seedMailbox,
  startApi,
  tablesChecksum,
} from '../factories/api-fixtures';

/**
 * Hundreds of malformed requests across the routes: wrong types, unknown keys, huge strings,
 * broken JSON, bad sort/range/filter, non-ASCII addresses, negative quotas, bad ids. None may
 * answer 5xx, every answer must be the API's JSON error, and nothing may change (tables and
 * queues are compared before and after).
 */

type Kind = 'string' | 'int' | 'bool' | 'array' | 'ids' | 'object' | 'address';
interface Field {
  name: string;
  kind: Kind;
  required?: boolean;
}
interface Target {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  /** Path with `:id` replaced by a real id (or by a malformed one). */
  id?: number;
  body?: Record<string, unknown>;
  fields?: Field[];
  list?: boolean;
  anonymous?: boolean;
}

/** mulberry32: a small seeded PRNG, so a failure can be replayed with ROOST_FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

void describe('fuzzing the API with malformed requests', () => {
  let f: ApiFixture;
  let root: SeededAdmin;
  let da: SeededAdmin;
  let targets: Target[];
  const seed = Number(process.env.ROOST_FUZZ_SEED ?? 20261122);
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

  before(async () => {
    f = await startApi({
      ROOST_LOGIN_MAX_FAILURES_PER_ACCOUNT: '100000',
      ROOST_LOGIN_MAX_FAILURES_PER_IP: '100000',
    });
    const backend = await seedBackend(f.pg);
    const domain = await seedDomain(f.pg, { name: 'example.com', maxQuotaBytes: 2 ** 40 });
    await seedDomain(f.pg, { name: 'other.net' });
    root = await seedAdmin(f.pg, { role: Role.Superadmin });
    da = await seedAdmin(f.pg, { role: Role.DomainAdmin, domainIds: [domain] });
    const mailbox = await seedMailbox(f.pg, {
      domainId: domain,
      address: 'alice@example.com',
      backendId: backend,
    });
    const alias = await seedAlias(f.pg, {
      domainId: domain,
      address: 'sales@example.com',
      targets: ['alice@example.com'],
    });
    const { rows } = await f.pg.query<{ id: number }>(
      `INSERT INTO alias_domains (name, target_domain_id) VALUES ('example.net', $1) RETURNING id`,
      [domain],
    );
    const aliasDomain = rows[0].id;

    const mailboxFields: Field[] = [
      { name: 'address', kind: 'address', required: true },
      { name: 'displayName', kind: 'string' },
      { name: 'quotaBytes', kind: 'int' },
      { name: 'password', kind: 'string' },
      { name: 'pinned', kind: 'bool' },
    ];
    targets = [
      { method: 'get', path: '/api/mailboxes', list: true },
      { method: 'get', path: '/api/domains', list: true },
      { method: 'get', path: '/api/aliases', list: true },
      { method: 'get', path: '/api/alias-domains', list: true },
      { method: 'get', path: '/api/backends', list: true },
      { method: 'get', path: '/api/admins', list: true },
      { method: 'get', path: '/api/audit', list: true },
      { method: 'get', path: '/api/mailboxes/:id', id: mailbox },
      { method: 'get', path: '/api/domains/:id', id: domain },
      { method: 'get', path: '/api/aliases/:id', id: alias },
      { method: 'delete', path: '/api/mailboxes/:id', id: mailbox },
      { method: 'delete', path: '/api/aliases/:id', id: alias },
      { method: 'delete', path: '/api/domains/:id', id: domain },
      { method: 'delete', path: '/api/backends/:id', id: backend },
      { method: 'delete', path: '/api/alias-domains/:id', id: aliasDomain },
      {
        method: 'post',
        path: '/api/mailboxes',
        body: {
          address: 'new@example.com',
          displayName: 'New',
          quotaBytes: 1000,
          password: 'Strong-pass-123',
          pinned: false,
        },
        fields: mailboxFields,
      },
      {
        method: 'put',
        path: '/api/mailboxes/:id',
        id: mailbox,
        body: { displayName: 'Alice', quotaBytes: 5000 },
        fields: [
          { name: 'displayName', kind: 'string' },
          { name: 'quotaBytes', kind: 'int' },
        ],
      },
      {
        method: 'post',
        path: '/api/mailboxes/:id/rename',
        id: mailbox,
        body: { address: 'alice2@example.com' },
        fields: [{ name: 'address', kind: 'address', required: true }],
      },
      {
        method: 'post',
        path: '/api/mailboxes/:id/suspend',
        id: mailbox,
        body: { reason: 'x' },
        fields: [{ name: 'reason', kind: 'string' }],
      },
      {
        method: 'post',
        path: '/api/mailboxes/:id/password-reset',
        id: mailbox,
        body: { mode: 'temporary', password: 'Temp-pass-12345', reason: 'r' },
        fields: [
          { name: 'mode', kind: 'string', required: true },
          { name: 'password', kind: 'string' },
          { name: 'reason', kind: 'string' },
        ],
      },
      {
        method: 'post',
        path: '/api/aliases',
        body: { address: 'info@example.com', targets: ['alice@example.com'], active: true },
        fields: [
          { name: 'address', kind: 'address', required: true },
          { name: 'targets', kind: 'array', required: true },
          { name: 'active', kind: 'bool' },
        ],
      },
      {
        method: 'put',
        path: '/api/aliases/:id',
        id: alias,
        body: { targets: ['bob@example.com'], active: false },
        fields: [
          { name: 'targets', kind: 'array' },
          { name: 'active', kind: 'bool' },
        ],
      },
      {
        method: 'post',
        path: '/api/domains',
        body: {
          name: 'fuzz.org',
          maxMailboxes: 10,
          maxQuotaBytes: 1000,
          defaultQuotaBytes: 100,
          placementPolicy: { kind: 'any' },
        },
        fields: [
          { name: 'name', kind: 'string', required: true },
          { name: 'maxMailboxes', kind: 'int' },
          { name: 'maxQuotaBytes', kind: 'int' },
          { name: 'defaultQuotaBytes', kind: 'int' },
          { name: 'placementPolicy', kind: 'object' },
        ],
      },
      {
        method: 'put',
        path: '/api/domains/:id',
        id: domain,
        body: { maxAliases: 5, active: true },
        fields: [
          { name: 'maxAliases', kind: 'int' },
          { name: 'active', kind: 'bool' },
        ],
      },
      {
        method: 'post',
        path: '/api/backends',
        body: {
          name: 'fuzz-1',
          imapHost: '10.0.0.9',
          imapPort: 143,
          lmtpHost: '10.0.0.9',
          lmtpPort: 24,
          adminSecretRef: 'env:X',
          capacityBytes: 1000,
          capacityMailboxes: 10,
          state: 'active',
        },
        fields: [
          { name: 'name', kind: 'string', required: true },
          { name: 'imapHost', kind: 'string', required: true },
          { name: 'imapPort', kind: 'int', required: true },
          { name: 'adminSecretRef', kind: 'string', required: true },
          { name: 'capacityBytes', kind: 'int', required: true },
          { name: 'state', kind: 'string' },
        ],
      },
      {
        method: 'put',
        path: '/api/backends/:id',
        id: backend,
        body: { weight: 5 },
        fields: [{ name: 'weight', kind: 'int' }],
      },
      {
        method: 'post',
        path: '/api/alias-domains',
        body: { name: 'fuzz.net', targetDomainId: domain },
        fields: [
          { name: 'name', kind: 'string', required: true },
          { name: 'targetDomainId', kind: 'int', required: true },
        ],
      },
      {
        method: 'post',
        path: '/api/admins',
        body: {
          username: 'fuzzer',
          role: 'support',
          domainIds: [domain],
          password: 'Fuzz-pass-12345',
        },
        fields: [
          { name: 'username', kind: 'string', required: true },
          { name: 'role', kind: 'string', required: true },
          { name: 'domainIds', kind: 'ids' },
          { name: 'password', kind: 'string' },
        ],
      },
      {
        method: 'put',
        path: '/api/admins/:id',
        id: da.id,
        body: { active: false },
        fields: [{ name: 'active', kind: 'bool' }],
      },
      {
        method: 'post',
        path: '/api/auth/tokens',
        body: { name: 'fuzz', expiresInDays: 3 },
        fields: [
          { name: 'name', kind: 'string', required: true },
          { name: 'expiresInDays', kind: 'int' },
        ],
      },
      {
        method: 'post',
        path: '/api/bulk/mailboxes/import',
        body: { csv: 'address\nbulk@example.com\n', dryRun: false },
        fields: [
          { name: 'csv', kind: 'string', required: true },
          { name: 'dryRun', kind: 'bool', required: true },
        ],
      },
      {
        method: 'post',
        path: '/api/bulk/aliases/import',
        body: { csv: 'address,targets\nbulk@example.com,alice@example.com\n', dryRun: false },
        fields: [
          { name: 'csv', kind: 'string', required: true },
          { name: 'dryRun', kind: 'bool', required: true },
        ],
      },
      {
        method: 'post',
        path: '/api/auth/login',
        anonymous: true,
        body: { username: 'nobody', password: 'whatever' },
        fields: [
          { name: 'username', kind: 'string', required: true },
          { name: 'password', kind: 'string', required: true },
        ],
      },
      {
        method: 'post',
        path: '/api/mail-users/password',
        anonymous: true,
        body: { address: 'alice@example.com', currentPassword: 'x', newPassword: 'Whatever-12345' },
        fields: [
          { name: 'address', kind: 'address', required: true },
          { name: 'currentPassword', kind: 'string', required: true },
          { name: 'newPassword', kind: 'string', required: true },
        ],
      },
      {
        method: 'post',
        path: '/api/mail-users/password/reset',
        anonymous: true,
        body: { token: `rr_${'a'.repeat(43)}`, newPassword: 'Whatever-12345' },
        fields: [
          { name: 'token', kind: 'string', required: true },
          { name: 'newPassword', kind: 'string', required: true },
        ],
      },
    ];
  });
  after(() => f.close());

  const HUGE = 'x'.repeat(200_000);
  // Above even the 20 MB limit of the bulk routes.
  const BIG_JSON = `{"csv": "${'x'.repeat(21_000_000)}"}`;
  const DEEP_JSON = '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
  const NON_ASCII = [
    'jürgen@example.com',
    'алиса@example.com',
    'a@exämple.com',
    '名前@example.com',
    'x\u0000y@example.com',
  ];

  /** A value of the wrong kind for the field (never accidentally valid). */
  function wrongValue(kind: Kind): unknown {
    const byKind: Record<Kind, unknown[]> = {
      string: [123, true, ['a'], { a: 1 }, HUGE],
      address: [
        123,
        false,
        ['a@b.c'],
        { a: 1 },
        HUGE,
        ...NON_ASCII,
        '',
        '@',
        'a@',
        'a b@example.com',
        'a@@example.com',
      ],
      int: ['12', 1.5, -1, -(2 ** 40), 2 ** 60, Number.MAX_VALUE, true, [1], { n: 1 }, 'NaN'],
      bool: ['true', 1, 0, [], {}, 'yes'],
      array: [
        'a@b.c',
        42,
        { 0: 'a' },
        [1, 2],
        [null],
        Array.from({ length: 500 }, (_, i) => `t${i}@x.org`),
        [HUGE],
      ],
      ids: [
        '1',
        42,
        { 0: 1 },
        ['1'],
        [-1],
        [1.5],
        [null],
        [2 ** 40],
        Array.from({ length: 20_000 }, (_, i) => i + 1),
      ],
      object: [
        'any',
        42,
        [],
        { kind: 'nope' },
        { kind: 'pinned', backendIds: 'x' },
        { kind: 'any', extra: true },
      ],
    };
    return pick(byKind[kind]);
  }

  function badId(): string {
    return pick([
      'abc',
      '-1',
      '0',
      '1.5',
      '99999999999999999999',
      '1e3',
      '0x10',
      '%00',
      '%27%20OR%201=1',
      '9'.repeat(400),
      'null',
      '1%20',
    ]);
  }

  function badQuery(): string {
    const params = [
      () =>
        `sort=${encodeURIComponent(pick(['["nope","ASC"]', '["address","SIDEWAYS"]', '{', '[1,2]', '"address"', '[]', HUGE.slice(0, 300)]))}`,
      () =>
        `range=${encodeURIComponent(pick(['[0]', '[5,1]', '[-5,5]', '[0,1e9]', '["a","b"]', '{}', '[0,100000]', 'x']))}`,
      () =>
        `filter=${encodeURIComponent(
          pick([
            '{"q":1}',
            '{"unknown":1}',
            '{"state":"sleeping"}',
            '{"domainId":"x"}',
            '{"domainId":-1}',
            '{"id":[]}',
            '{"id":["a"]}',
            '{"q":"a\\u0007"}',
            '{"q":"' + 'a'.repeat(400) + '"}',
            '{"overQuotaPercent":"lots"}',
            '[]',
            'null',
            '{',
            '{"__proto__":{"admin":true}}',
          ]),
        )}`,
      () => `sort=a&sort=b`,
      () => `extra=${encodeURIComponent(pick(['1', 'x', '[]']))}`,
    ];
    return pick(params)();
  }

  type Mutation = {
    label: string;
    path: string;
    body?: unknown;
    raw?: string;
    contentType?: string;
  };

  function mutate(t: Target): Mutation {
    const path = t.id !== undefined ? t.path.replace(':id', String(t.id)) : t.path;
    const choices: (() => Mutation)[] = [];
    if (t.id !== undefined)
      choices.push(() => ({ label: 'bad id', path: t.path.replace(':id', badId()), body: t.body }));
    if (t.list) choices.push(() => ({ label: 'bad query', path: `${path}?${badQuery()}` }));
    if (t.fields && t.body) {
      const fields = t.fields;
      const body = t.body;
      choices.push(() => {
        const field = pick(fields);
        return {
          label: `wrong ${field.name}`,
          path,
          body: { ...body, [field.name]: wrongValue(field.kind) },
        };
      });
      choices.push(() => ({
        label: 'unknown key',
        path,
        body: { ...body, [pick(['isAdmin', 'id', 'passwordHash2', 'role2', 'x'])]: 1 },
      }));
      const required = fields.filter((x) => x.required);
      if (required.length)
        choices.push(() => {
          const drop = pick(required);
          const rest = { ...body };
          delete rest[drop.name];
          return {
            label: `missing ${drop.name}`,
            path,
            body: pick([rest, { ...body, [drop.name]: null }]),
          };
        });
      choices.push(() => ({
        label: 'raw body',
        path,
        raw: pick([
          '{"address": ',
          '[]',
          '[1,2,3]',
          '"just a string"',
          'null',
          'true',
          DEEP_JSON,
          '{"__proto__": {"polluted": true}}',
          '{"constructor": {"prototype": {"x": 1}}}',
          BIG_JSON,
          '\u0000\u0001\u0002',
          '{"a": 1,}',
          "{'single': 'quotes'}",
        ]),
      }));
      choices.push(() => ({
        label: 'wrong content type',
        path,
        raw: JSON.stringify(body),
        contentType: pick([
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/xml',
        ]),
      }));
    }
    return pick(choices)();
  }

  void it('answers at least 500 malformed requests with a 4xx JSON error and changes nothing', async () => {
    const checksum = await tablesChecksum(f.pg);
    const jobsBefore =
      (await jobIds(f, JobName.MailboxCreate)).length +
      (await jobIds(f, JobName.MailboxSetQuota)).length;
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    const N = 600;
    for (let i = 0; i < N; i++) {
      const t = pick(targets);
      const m = mutate(t);
      const who = t.anonymous ? null : pick([root, root, da]);
      let req = request(f.server)[t.method](m.path);
      if (who) req = req.set('Authorization', `Bearer ${who.token}`);
      if (m.raw !== undefined)
        req = req.set('Content-Type', m.contentType ?? 'application/json').send(m.raw);
      else if (m.body !== undefined) req = req.send(m.body as object);
      const res = await req;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const where = `#${i} ${t.method.toUpperCase()} ${m.path.slice(0, 80)} (${m.label})`;
      if (res.status >= 500)
        problems.push(`${where}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      else if (res.status < 400) problems.push(`${where}: accepted with ${res.status}`);
      else if (
        typeof res.body?.statusCode !== 'number' ||
        typeof res.body?.message !== 'string' ||
        !Array.isArray(res.body?.errors)
      )
        problems.push(
          `${where}: ${res.status} without the error format: ${res.text.slice(0, 120)}`,
        );
    }
    assert.deepEqual(problems, [], `seed ${seed}`);
    assert.equal(await tablesChecksum(f.pg), checksum, 'a malformed request changed the database');
    const jobsAfter =
      (await jobIds(f, JobName.MailboxCreate)).length +
      (await jobIds(f, JobName.MailboxSetQuota)).length;
    assert.equal(jobsAfter, jobsBefore, 'a malformed request enqueued a job');
    // Prototype pollution would show on every object.
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok([...statuses.keys()].some((s) => s === 400));
  });
});
