import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Role } from '@roost/core';
import { Pool } from 'pg';
import request from 'supertest';
import {
  ApiFixture,
  as,
  seedAdmin,
  SeededAdmin,
  seedAlias,
  seedBackend,
  seedDomain,
  seedMailbox,
  startApi,
} from '../factories/api-fixtures';

/**
 * DESIGN §6 as a table: every role against every route, on objects of its own domain (A) and of
 * another domain (B). Roles a route does not admit get 403; a scoped admin asking for another
 * domain's object gets the same 404 as for a missing one; anonymous callers get 401.
 */

type Side = 'A' | 'B';
type Expect = 'ok' | 401 | 403 | 404 | 422 | 409 | 400;

interface World {
  pg: Pool;
  domains: Record<Side, number>;
  backend: number;
  seq: () => number;
}

interface RouteCase {
  method: 'get' | 'post' | 'put' | 'delete';
  /** The route as the table shows it. */
  route: string;
  /** Builds the concrete path (and body) on fresh objects of domain `side`. */
  make: (w: World, side: Side, who: SeededAdmin) => Promise<{ path: string; body?: object }>;
  /** Roles the route admits. */
  roles: Role[];
  /** True when the object belongs to a domain (domain admins and support see only theirs). */
  scoped: boolean;
  /** Overrides the expectation for special cases. */
  expect?: (role: Role, side: Side) => Expect | undefined;
}

const ALL = [Role.Superadmin, Role.Ops, Role.DomainAdmin, Role.Support];
const EDIT = [Role.Superadmin, Role.DomainAdmin];
const OPS = [Role.Superadmin, Role.Ops];
const SUPER = [Role.Superadmin];

async function mailbox(w: World, side: Side, state = 'active'): Promise<number> {
  const name = side === 'A' ? 'a.test' : 'b.test';
  return seedMailbox(w.pg, {
    domainId: w.domains[side],
    address: `m${w.seq()}@${name}`,
    backendId: w.backend,
    state,
  });
}

async function alias(w: World, side: Side): Promise<number> {
  const name = side === 'A' ? 'a.test' : 'b.test';
  return seedAlias(w.pg, {
    domainId: w.domains[side],
    address: `al${w.seq()}@${name}`,
    targets: ['x@remote.org'],
  });
}

async function aliasDomain(w: World, side: Side): Promise<number> {
  const { rows } = await w.pg.query<{ id: number }>(
    `INSERT INTO alias_domains (name, target_domain_id) VALUES ($1, $2) RETURNING id`,
    [`ad${w.seq()}.test`, w.domains[side]],
  );
  return rows[0].id;
}

async function freshDomain(w: World): Promise<number> {
  return seedDomain(w.pg, { name: `fresh${w.seq()}.test` });
}

const domainName = (side: Side) => (side === 'A' ? 'a.test' : 'b.test');

const ROUTES: RouteCase[] = [
  // auth: every role, about itself
  {
    method: 'get',
    route: 'GET /api/auth/me',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/auth/me' }),
  },
  {
    method: 'get',
    route: 'GET /api/auth/tokens',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/auth/tokens' }),
  },
  {
    method: 'post',
    route: 'POST /api/auth/tokens',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/auth/tokens', body: { name: 'matrix' } }),
  },
  {
    method: 'delete',
    route: 'DELETE /api/auth/tokens/:id',
    roles: ALL,
    scoped: false,
    make: async (w, _s, who) => {
      const { rows } = await w.pg.query<{ id: number }>(
        `INSERT INTO admin_credentials (admin_id, kind, name, secret_hash, prefix) VALUES ($1, 'api-token', 'x', $2, 'rt_x') RETURNING id`,
        [who.id, `hash-${w.seq()}-${Math.random()}`],
      );
      return { path: `/api/auth/tokens/${rows[0].id}` };
    },
  },
  {
    method: 'post',
    route: 'POST /api/auth/password',
    roles: ALL,
    scoped: false,
    make: (_w, _s, who) =>
      Promise.resolve({
        path: '/api/auth/password',
        body: { currentPassword: who.password, newPassword: who.password + '-Next1' },
      }),
  },
  {
    method: 'post',
    route: 'POST /api/auth/totp/enrol',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/auth/totp/enrol' }),
  },
  {
    method: 'post',
    route: 'POST /api/auth/totp/confirm',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/auth/totp/confirm', body: { code: '000000' } }),
    expect: () => 400,
  },
  {
    method: 'post',
    route: 'POST /api/auth/totp/remove',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/auth/totp/remove', body: { code: '000000' } }),
    expect: () => 409,
  },
  // domains
  {
    method: 'get',
    route: 'GET /api/domains',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/domains' }),
  },
  {
    method: 'get',
    route: 'GET /api/domains/:id',
    roles: ALL,
    scoped: true,
    make: (w, side) => Promise.resolve({ path: `/api/domains/${w.domains[side]}` }),
  },
  {
    method: 'post',
    route: 'POST /api/domains',
    roles: SUPER,
    scoped: false,
    make: (w) => Promise.resolve({ path: '/api/domains', body: { name: `new${w.seq()}.test` } }),
  },
  {
    method: 'put',
    route: 'PUT /api/domains/:id',
    roles: SUPER,
    scoped: true,
    make: (w, side) =>
      Promise.resolve({ path: `/api/domains/${w.domains[side]}`, body: { maxAliases: 1000 } }),
  },
  {
    method: 'delete',
    route: 'DELETE /api/domains/:id',
    roles: SUPER,
    scoped: false,
    make: async (w) => ({ path: `/api/domains/${await freshDomain(w)}` }),
  },
  // alias domains
  {
    method: 'get',
    route: 'GET /api/alias-domains',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/alias-domains' }),
  },
  {
    method: 'get',
    route: 'GET /api/alias-domains/:id',
    roles: ALL,
    scoped: true,
    make: async (w, side) => ({ path: `/api/alias-domains/${await aliasDomain(w, side)}` }),
  },
  {
    method: 'post',
    route: 'POST /api/alias-domains',
    roles: SUPER,
    scoped: false,
    make: (w, side) =>
      Promise.resolve({
        path: '/api/alias-domains',
        body: { name: `alias${w.seq()}.test`, targetDomainId: w.domains[side] },
      }),
  },
  {
    method: 'put',
    route: 'PUT /api/alias-domains/:id',
    roles: SUPER,
    scoped: true,
    make: async (w, side) => ({
      path: `/api/alias-domains/${await aliasDomain(w, side)}`,
      body: { active: false },
    }),
  },
  {
    method: 'delete',
    route: 'DELETE /api/alias-domains/:id',
    roles: SUPER,
    scoped: true,
    make: async (w, side) => ({ path: `/api/alias-domains/${await aliasDomain(w, side)}` }),
  },
  // backends
  {
    method: 'get',
    route: 'GET /api/backends',
    roles: OPS,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/backends' }),
  },
  {
    method: 'get',
    route: 'GET /api/backends/:id',
    roles: OPS,
    scoped: false,
    make: (w) => Promise.resolve({ path: `/api/backends/${w.backend}` }),
  },
  {
    method: 'post',
    route: 'POST /api/backends',
    roles: OPS,
    scoped: false,
    make: (w) =>
      Promise.resolve({
        path: '/api/backends',
        body: {
          name: `be-${w.seq()}`,
          imapHost: '10.0.0.1',
          imapPort: 143,
          lmtpHost: '10.0.0.1',
          lmtpPort: 24,
          adminSecretRef: 'env:X',
          capacityBytes: 1000,
          capacityMailboxes: 10,
          weight: 0,
        },
      }),
  },
  {
    method: 'put',
    route: 'PUT /api/backends/:id',
    roles: OPS,
    scoped: false,
    make: (w) =>
      Promise.resolve({ path: `/api/backends/${w.backend}`, body: { capacityMailboxes: 100000 } }),
  },
  {
    method: 'delete',
    route: 'DELETE /api/backends/:id',
    roles: OPS,
    scoped: false,
    make: async (w) => ({ path: `/api/backends/${await seedBackend(w.pg, { weight: 0 })}` }),
  },
  // mailboxes
  {
    method: 'get',
    route: 'GET /api/mailboxes',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/mailboxes' }),
  },
  {
    method: 'get',
    route: 'GET /api/mailboxes/:id',
    roles: ALL,
    scoped: true,
    make: async (w, side) => ({ path: `/api/mailboxes/${await mailbox(w, side)}` }),
  },
  {
    method: 'post',
    route: 'POST /api/mailboxes',
    roles: EDIT,
    scoped: true,
    make: (w, side) =>
      Promise.resolve({
        path: '/api/mailboxes',
        body: { address: `new${w.seq()}@${domainName(side)}` },
      }),
    // Creating in another domain is refused as if the domain did not exist.
    expect: (role, side) => (role === Role.DomainAdmin && side === 'B' ? 422 : undefined),
  },
  {
    method: 'put',
    route: 'PUT /api/mailboxes/:id',
    roles: EDIT,
    scoped: true,
    make: async (w, side) => ({
      path: `/api/mailboxes/${await mailbox(w, side)}`,
      body: { quotaBytes: 12345 },
    }),
  },
  {
    method: 'post',
    route: 'POST /api/mailboxes/:id/rename',
    roles: EDIT,
    scoped: true,
    make: async (w, side) => ({
      path: `/api/mailboxes/${await mailbox(w, side)}/rename`,
      body: { address: `renamed${w.seq()}@${domainName(side)}` },
    }),
  },
  {
    method: 'post',
    route: 'POST /api/mailboxes/:id/suspend',
    roles: EDIT,
    scoped: true,
    make: async (w, side) => ({
      path: `/api/mailboxes/${await mailbox(w, side)}/suspend`,
      body: { reason: 'matrix' },
    }),
  },
  {
    method: 'post',
    route: 'POST /api/mailboxes/:id/activate',
    roles: EDIT,
    scoped: true,
    make: async (w, side) => ({
      path: `/api/mailboxes/${await mailbox(w, side, 'suspended')}/activate`,
    }),
  },
  {
    method: 'post',
    route: 'POST /api/mailboxes/:id/restore',
    roles: EDIT,
    scoped: true,
    make: async (w, side) => ({
      path: `/api/mailboxes/${await mailbox(w, side, 'deleting')}/restore`,
    }),
  },
  {
    method: 'delete',
    route: 'DELETE /api/mailboxes/:id',
    roles: EDIT,
    scoped: true,
    make: async (w, side) => ({ path: `/api/mailboxes/${await mailbox(w, side)}` }),
  },
  {
    method: 'post',
    route: 'POST /api/mailboxes/:id/password-reset',
    roles: [Role.Superadmin, Role.DomainAdmin, Role.Support],
    scoped: true,
    make: async (w, side) => ({
      path: `/api/mailboxes/${await mailbox(w, side)}/password-reset`,
      body: { mode: 'link', reason: 'ticket 7' },
    }),
  },
  {
    method: 'post',
    route: 'POST /api/mailboxes/:id/unlock',
    roles: [Role.Superadmin, Role.DomainAdmin, Role.Support],
    scoped: true,
    make: async (w, side) => ({
      path: `/api/mailboxes/${await mailbox(w, side)}/unlock`,
      body: { reason: 'ticket 8' },
    }),
  },
  // aliases
  {
    method: 'get',
    route: 'GET /api/aliases',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/aliases' }),
  },
  {
    method: 'get',
    route: 'GET /api/aliases/:id',
    roles: ALL,
    scoped: true,
    make: async (w, side) => ({ path: `/api/aliases/${await alias(w, side)}` }),
  },
  {
    method: 'post',
    route: 'POST /api/aliases',
    roles: EDIT,
    scoped: true,
    make: (w, side) =>
      Promise.resolve({
        path: '/api/aliases',
        body: { address: `new-al${w.seq()}@${domainName(side)}`, targets: ['x@remote.org'] },
      }),
    expect: (role, side) => (role === Role.DomainAdmin && side === 'B' ? 422 : undefined),
  },
  {
    method: 'put',
    route: 'PUT /api/aliases/:id',
    roles: EDIT,
    scoped: true,
    make: async (w, side) => ({
      path: `/api/aliases/${await alias(w, side)}`,
      body: { targets: ['y@remote.org'] },
    }),
  },
  {
    method: 'delete',
    route: 'DELETE /api/aliases/:id',
    roles: EDIT,
    scoped: true,
    make: async (w, side) => ({ path: `/api/aliases/${await alias(w, side)}` }),
  },
  // admins
  {
    method: 'get',
    route: 'GET /api/admins',
    roles: SUPER,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/admins' }),
  },
  {
    method: 'get',
    route: 'GET /api/admins/:id',
    roles: SUPER,
    scoped: false,
    make: (_w, _s, who) => Promise.resolve({ path: `/api/admins/${who.id}` }),
  },
  {
    method: 'post',
    route: 'POST /api/admins',
    roles: SUPER,
    scoped: false,
    make: (w, side) =>
      Promise.resolve({
        path: '/api/admins',
        body: { username: `adm${w.seq()}`, role: 'domain-admin', domainIds: [w.domains[side]] },
      }),
  },
  {
    method: 'put',
    route: 'PUT /api/admins/:id',
    roles: SUPER,
    scoped: false,
    make: async (w) => ({
      path: `/api/admins/${(await seedAdmin(w.pg, { role: Role.Support })).id}`,
      body: { active: false },
    }),
  },
  {
    method: 'delete',
    route: 'DELETE /api/admins/:id',
    roles: SUPER,
    scoped: false,
    make: async (w) => ({
      path: `/api/admins/${(await seedAdmin(w.pg, { role: Role.Support })).id}`,
    }),
  },
  // audit: superadmin and ops all, domain admins their domains, support its own actions
  {
    method: 'get',
    route: 'GET /api/audit',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/audit' }),
  },
  {
    method: 'get',
    route: 'GET /api/audit/:id',
    roles: ALL,
    scoped: true,
    make: async (w, side, who) => {
      const { rows } = await w.pg.query<{ id: number }>(
        `INSERT INTO audit_events (actor_id, actor_name, role, action, target_type, domain_id)
         VALUES ($1, $2, $3, 'matrix.test', 'mailbox', $4) RETURNING id`,
        // Support reads its own actions: the event is its own on side A, someone else's on side B.
        [side === 'A' ? who.id : null, 'x', who.role, w.domains[side]],
      );
      return { path: `/api/audit/${rows[0].id}` };
    },
  },
  // bulk
  {
    method: 'get',
    route: 'GET /api/bulk/mailboxes.csv',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/bulk/mailboxes.csv' }),
  },
  {
    method: 'get',
    route: 'GET /api/bulk/aliases.csv',
    roles: ALL,
    scoped: false,
    make: () => Promise.resolve({ path: '/api/bulk/aliases.csv' }),
  },
  {
    method: 'post',
    route: 'POST /api/bulk/mailboxes/import',
    roles: EDIT,
    scoped: true,
    make: (w, side) =>
      Promise.resolve({
        path: '/api/bulk/mailboxes/import',
        body: { csv: `address\nbulk${w.seq()}@${domainName(side)}\n`, dryRun: false },
      }),
    expect: (role, side) => (role === Role.DomainAdmin && side === 'B' ? 422 : undefined),
  },
  {
    method: 'post',
    route: 'POST /api/bulk/aliases/import',
    roles: EDIT,
    scoped: true,
    make: (w, side) =>
      Promise.resolve({
        path: '/api/bulk/aliases/import',
        body: {
          csv: `address,targets\nbulk-al${w.seq()}@${domainName(side)},x@remote.org\n`,
          dryRun: false,
        },
      }),
    expect: (role, side) => (role === Role.DomainAdmin && side === 'B' ? 422 : undefined),
  },
];

function expected(c: RouteCase, role: Role, side: Side): Expect {
  const special = c.expect?.(role, side);
  if (!c.roles.includes(role)) return 403;
  if (special !== undefined) return special;
  if (c.scoped && side === 'B' && (role === Role.DomainAdmin || role === Role.Support)) return 404;
  return 'ok';
}

void describe('permission matrix (DESIGN §6)', () => {
  let f: ApiFixture;
  let w: World;
  const admins = new Map<Role, SeededAdmin>();

  before(async () => {
    f = await startApi({ ROOST_LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000' });
    let n = 0;
    w = {
      pg: f.pg,
      domains: {
        A: await seedDomain(f.pg, { name: 'a.test' }),
        B: await seedDomain(f.pg, { name: 'b.test' }),
      },
      backend: await seedBackend(f.pg),
      seq: () => ++n,
    };
    for (const role of ALL)
      admins.set(
        role,
        await seedAdmin(f.pg, {
          role,
          domainIds: role === Role.DomainAdmin || role === Role.Support ? [w.domains.A] : [],
        }),
      );
  });
  after(() => f.close());

  void it('covers every route the API serves', async () => {
    const doc = await request(f.server).get('/api/docs-json').expect(200);
    const served = new Set<string>();
    for (const [path, ops] of Object.entries(
      doc.body.paths as Record<string, Record<string, unknown>>,
    ))
      for (const method of Object.keys(ops))
        served.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    const inTable = new Set(ROUTES.map((r) => r.route));
    const publicRoutes = [
      'POST /api/auth/login',
      'POST /api/auth/logout',
      'POST /api/mail-users/password',
      'POST /api/mail-users/password/reset',
      'POST /api/mail-users/password/reset/check',
      'GET /health',
    ];
    // Routes of other modules (mail-auth, moves, rebalance) have their own tests.
    const foreign = (r: string) => /\/api\/(mail-auth|moves|rebalance|plans|relays)\b/.test(r);
    const missing = [...served].filter(
      (r) => !inTable.has(r) && !publicRoutes.includes(r) && !foreign(r),
    );
    assert.deepEqual(missing, []);
    assert.ok(served.size >= ROUTES.length + publicRoutes.length, `served ${served.size}`);
  });

  void it('refuses every admin route without credentials (401)', async () => {
    for (const c of ROUTES) {
      const { path, body } = await c.make(w, 'A', admins.get(Role.Superadmin)!);
      const anonymous = as(f, null);
      const res = await anonymous[c.method](path).send(body ?? {});
      assert.equal(res.status, 401, `${c.route} anonymous: ${res.status}`);
    }
  });

  void it('gives each role exactly its rights, and 404 for other domains', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const c of ROUTES) {
      for (const role of ALL) {
        for (const side of c.scoped ? (['A', 'B'] as Side[]) : (['A'] as Side[])) {
          const who = admins.get(role)!;
          const { path, body } = await c.make(w, side, who);
          const req = as(f, who)[c.method](path);
          const res = body ? await req.send(body) : await req;
          const want = expected(c, role, side);
          const ok = want === 'ok' ? res.status >= 200 && res.status < 300 : res.status === want;
          checked++;
          if (!ok)
            failures.push(
              `${c.route} as ${role} on ${side}: want ${want}, got ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`,
            );
          // The password change above changes the seeded password; keep the fixture in step.
          if (c.route === 'POST /api/auth/password' && res.status === 200)
            who.password = `${who.password}-Next1`;
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(checked > 200, `checked ${checked}`);
  });

  void it('reveals nothing of another domain: the 404 body is the one of a missing object', async () => {
    const da = admins.get(Role.DomainAdmin)!;
    const foreign = await mailbox(w, 'B');
    const hidden = await as(f, da).get(`/api/mailboxes/${foreign}`);
    const missing = await as(f, da).get(`/api/mailboxes/999999999`);
    assert.deepEqual(hidden.body, missing.body);
    const csv = await as(f, da).get('/api/bulk/mailboxes.csv').expect(200);
    assert.doesNotMatch(csv.text, /b\.test/);
    const aliasesCsv = await as(f, da).get('/api/bulk/aliases.csv').expect(200);
    assert.doesNotMatch(aliasesCsv.text, /b\.test/);
  });
});
