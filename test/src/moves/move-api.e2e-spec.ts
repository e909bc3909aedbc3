import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobName, MoveState, PlanState, Role, jobIdFor } from '@roost/core';
import { createDataSource } from '@roost/db';
import { rebalance } from '@roost/workers';
import {
  ApiFixture,
  SeededAdmin,
  as,
  findJob,
  jobIds,
  listQuery,
  seedAdmin,
  seedBackend,
  seedDomain,
  seedMailbox,
  startApi,
} from '../factories/api-fixtures';

// The moves and rebalance routes: ops/superadmin only, audited, recording intent and queueing
// the jobs; and the rebalance tick that turns an approved plan into moves, a few at a time.

void describe('moves and rebalance API', () => {
  let f: ApiFixture;
  let ops: SeededAdmin;
  let root: SeededAdmin;
  let da: SeededAdmin;
  let support: SeededAdmin;
  let a: number;
  let b: number;
  let down: number;
  let domain: number;
  let mailbox: number;

  before(async () => {
    f = await startApi();
    a = await seedBackend(f.pg, { name: 'cyrus-a' });
    b = await seedBackend(f.pg, { name: 'cyrus-b' });
    down = await seedBackend(f.pg, { name: 'cyrus-down', state: 'down' });
    domain = await seedDomain(f.pg, { name: 'example.com' });
    ops = await seedAdmin(f.pg, { role: Role.Ops });
    root = await seedAdmin(f.pg, { role: Role.Superadmin });
    da = await seedAdmin(f.pg, { role: Role.DomainAdmin, domainIds: [domain] });
    support = await seedAdmin(f.pg, { role: Role.Support });
    mailbox = await seedMailbox(f.pg, {
      domainId: domain,
      address: 'alice@example.com',
      backendId: a,
    });
  });
  after(() => f?.close());

  let moveId: number;

  void it('is for ops and superadmins only', async () => {
    for (const who of [da, support]) {
      await as(f, who).get('/api/moves').expect(403);
      await as(f, who)
        .post('/api/moves')
        .send({ mailboxId: mailbox, targetBackendId: b })
        .expect(403);
      await as(f, who).get('/api/rebalance/plans').expect(403);
    }
    await as(f, null).get('/api/moves').expect(401);
  });

  void it('creates a move, queues its job and audits it; refuses what cannot run', async () => {
    await as(f, ops)
      .post('/api/moves')
      .send({ mailboxId: mailbox, targetBackendId: a })
      .expect(422);
    await as(f, ops)
      .post('/api/moves')
      .send({ mailboxId: mailbox, targetBackendId: down })
      .expect(422);
    await as(f, ops).post('/api/moves').send({ mailboxId: 999999, targetBackendId: b }).expect(404);
    const res = await as(f, ops)
      .post('/api/moves')
      .send({ mailboxId: mailbox, targetBackendId: b, reason: 'TICKET-1' })
      .expect(201);
    const body = res.body as {
      id: number;
      state: string;
      sourceBackend: string;
      targetBackend: string;
      jobId: string;
    };
    moveId = Number(body.id);
    assert.equal(body.state, MoveState.Queued);
    assert.equal(body.sourceBackend, 'cyrus-a');
    assert.equal(body.targetBackend, 'cyrus-b');
    assert.equal(body.jobId, jobIdFor(JobName.MoveRun, { moveId }));
    assert.ok(await findJob(f, JobName.MoveRun, body.jobId));
    await as(f, ops)
      .post('/api/moves')
      .send({ mailboxId: mailbox, targetBackendId: b })
      .expect(409);
    const audit = await f.pg.query(
      `SELECT action, reason, domain_id FROM audit_events WHERE target_type = 'move' AND target_id = $1`,
      [String(moveId)],
    );
    assert.deepEqual(audit.rows, [
      { action: 'move.create', reason: 'TICKET-1', domain_id: domain },
    ]);
  });

  void it('lists and shows moves with their progress', async () => {
    const list = await as(f, ops)
      .get(`/api/moves?${listQuery({ filter: { open: true, q: 'ali' }, range: [0, 9] })}`)
      .expect(200);
    assert.equal(list.headers['content-range'], 'moves 0-0/1');
    const [row] = list.body as { id: number; address: string; percent: number }[];
    assert.equal(row.address, 'alice@example.com');
    assert.equal(row.percent, 0);
    const shown = await as(f, root).get(`/api/moves/${moveId}`).expect(200);
    assert.deepEqual((shown.body as { folders: unknown[] }).folders, []);
    await as(f, ops).get('/api/moves/424242').expect(404);
    await as(f, ops)
      .get(`/api/moves?${listQuery({ filter: { state: 'nope' } })}`)
      .expect(400);
  });

  void it('cancels before the flip (and queues the job that rolls it back), not after', async () => {
    const res = await as(f, ops)
      .post(`/api/moves/${moveId}/cancel`)
      .send({ reason: 'wrong user' })
      .expect(201);
    assert.equal((res.body as { cancelRequested: boolean }).cancelRequested, true);
    assert.ok(
      (await jobIds(f, JobName.MoveRun)).some((id) => id.startsWith(`move-run-${moveId}-cancel`)),
    );
    // the worker rolls it back; then it can be retried as a new move
    await f.pg.query(`UPDATE moves SET state = 'cancelled', finished_at = now() WHERE id = $1`, [
      moveId,
    ]);
    await as(f, ops).post(`/api/moves/${moveId}/cancel`).send({}).expect(409);
    const retry = await as(f, ops).post(`/api/moves/${moveId}/retry`).send({}).expect(201);
    const next = Number((retry.body as { id: number }).id);
    assert.notEqual(next, moveId);
    assert.equal((retry.body as { state: string }).state, MoveState.Queued);
    // a move still under way is resumed (its job queued again), not duplicated
    const resumed = await as(f, ops).post(`/api/moves/${next}/retry`).send({}).expect(201);
    assert.equal(Number((resumed.body as { id: number }).id), next);
    assert.ok(
      (await jobIds(f, JobName.MoveRun)).some((id) => id.startsWith(`move-run-${next}-resume`)),
    );
    await f.pg.query(`UPDATE moves SET state = 'flipped', flipped_at = now() WHERE id = $1`, [
      next,
    ]);
    await as(f, ops).post(`/api/moves/${next}/cancel`).send({}).expect(409);
    await f.pg.query(`UPDATE moves SET state = 'retained' WHERE id = $1`, [next]);
    const actions = await f.pg.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE target_type = 'move' ORDER BY id`,
    );
    assert.deepEqual(
      actions.rows.map((r) => r.action),
      ['move.create', 'move.cancel', 'move.retry', 'move.resume'],
    );
  });

  void it('plans a rebalance (dry run), runs it a few moves at a time, and reports progress', async () => {
    // cyrus-a full, cyrus-b empty, cyrus-c empty: the plan moves mailboxes off cyrus-a
    const c = await seedBackend(f.pg, { name: 'cyrus-c' });
    await f.pg.query(`UPDATE backends SET capacity_bytes = 100000000 WHERE id IN ($1, $2, $3)`, [
      a,
      b,
      c,
    ]);
    await f.pg.query(`UPDATE backends SET state = 'readonly' WHERE id = $1`, [down]);
    for (let i = 0; i < 12; i++) {
      await seedMailbox(f.pg, {
        domainId: domain,
        address: `user${i}@example.com`,
        backendId: a,
        usedBytes: 5_000_000,
      });
    }
    await f.pg.query(`UPDATE mailboxes SET pinned = true WHERE address = 'user0@example.com'`);
    const created = await as(f, ops)
      .post('/api/rebalance/plans')
      .send({ tolerance: 0.05, maxMovesPerBackend: 1, reason: 'even out' })
      .expect(201);
    const plan = created.body as {
      id: number;
      state: string;
      plannedMoves: number;
      dryRun: {
        moves: { mailboxId: number; fromBackendId: number }[];
        before: unknown[];
        after: unknown[];
        withinTolerance: boolean;
      };
    };
    assert.equal(plan.state, PlanState.Draft);
    assert.ok(plan.plannedMoves >= 4, `planned ${plan.plannedMoves}`);
    assert.ok(plan.dryRun.moves.every((m) => m.fromBackendId === a));
    assert.equal(plan.dryRun.before.length, 4);
    assert.equal(plan.dryRun.withinTolerance, true);
    const pinned = (
      await f.pg.query(`SELECT id FROM mailboxes WHERE address = 'user0@example.com'`)
    ).rows[0] as { id: number };
    assert.ok(
      !plan.dryRun.moves.some((m) => m.mailboxId === Number(pinned.id)),
      'pinned mailboxes stay',
    );
    assert.equal(await countMoves(plan.id), 0, 'a dry run starts nothing');

    await as(f, ops).post(`/api/rebalance/plans/${plan.id}/pause`).send({}).expect(409);
    const approved = await as(f, root)
      .post(`/api/rebalance/plans/${plan.id}/approve`)
      .send({})
      .expect(201);
    assert.equal((approved.body as { state: string }).state, PlanState.Running);
    assert.ok(
      (await jobIds(f, JobName.RebalanceRun)).some((id) =>
        id.startsWith(`rebalance-run-${plan.id}-`),
      ),
    );

    // the tick, as the rebalance worker runs it: one move per backend at a time
    const ds = createDataSource(f.db.url, 3);
    await ds.initialize();
    const added: { name: JobName; payload: unknown; delayMs?: number }[] = [];
    const ctx = {
      db: ds,
      env: {},
      log: { info: () => undefined, warn: () => undefined },
      producer: {
        add: (name: JobName, payload: unknown, options?: { delayMs?: number }) => {
          added.push({ name, payload, delayMs: options?.delayMs });
          return Promise.resolve();
        },
      },
    };
    try {
      const first = await rebalance.rebalanceTick(ctx, plan.id);
      assert.deepEqual('started' in first && first.started, 1, JSON.stringify(first)); // cyrus-a is the source of every move
      assert.equal(await countMoves(plan.id), 1);
      assert.equal(added.filter((j) => j.name === JobName.MoveRun).length, 1);
      assert.ok(added.some((j) => j.name === JobName.RebalanceRun && (j.delayMs ?? 0) > 0));
      const again = await rebalance.rebalanceTick(ctx, plan.id);
      assert.equal('started' in again && again.started, 0, 'the limit holds while the first runs');

      const progress = await as(f, ops).get(`/api/rebalance/plans/${plan.id}`).expect(200);
      const p = (
        progress.body as {
          progress: { started: number; running: number; planned: { moves: number } };
        }
      ).progress;
      assert.equal(p.started, 1);
      assert.equal(p.running, 1);
      assert.equal(p.planned.moves, plan.plannedMoves);

      // pause: nothing new starts; cancel: its unflipped moves are asked to roll back
      await as(f, ops).post(`/api/rebalance/plans/${plan.id}/pause`).send({}).expect(201);
      await f.pg.query(`UPDATE moves SET state = 'retained' WHERE rebalance_plan_id = $1`, [
        plan.id,
      ]);
      const paused = await rebalance.rebalanceTick(ctx, plan.id);
      assert.ok('skipped' in paused);
      await as(f, ops).post(`/api/rebalance/plans/${plan.id}/resume`).send({}).expect(201);
      const resumed = await rebalance.rebalanceTick(ctx, plan.id);
      assert.equal('started' in resumed && resumed.started, 1);
      const cancelled = await as(f, ops)
        .post(`/api/rebalance/plans/${plan.id}/cancel`)
        .send({})
        .expect(201);
      assert.equal((cancelled.body as { state: string }).state, PlanState.Cancelled);
      const open = await f.pg.query(
        `SELECT count(*)::int AS n FROM moves WHERE rebalance_plan_id = $1 AND cancel_requested`,
        [plan.id],
      );
      assert.equal((open.rows[0] as { n: number }).n, 1);
    } finally {
      await ds.destroy();
    }
    const actions = await f.pg.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE target_type = 'rebalance-plan' ORDER BY id`,
    );
    assert.deepEqual(
      actions.rows.map((r) => r.action),
      [
        'rebalance.plan',
        'rebalance.approve',
        'rebalance.pause',
        'rebalance.resume',
        'rebalance.cancel',
      ],
    );
  });

  void it('waits for the maintenance window before starting moves', async () => {
    const now = new Date();
    const hh = (h: number) => `${String((now.getUTCHours() + h) % 24).padStart(2, '0')}:00`;
    const created = await as(f, ops)
      .post('/api/rebalance/plans')
      .send({ tolerance: 0.05, windowStart: hh(2), windowEnd: hh(3) })
      .expect(201);
    const plan = created.body as { id: number; plannedMoves: number };
    assert.ok(plan.plannedMoves > 0);
    await as(f, ops).post(`/api/rebalance/plans/${plan.id}/approve`).send({}).expect(201);
    const ds = createDataSource(f.db.url, 2);
    await ds.initialize();
    const delays: number[] = [];
    try {
      const tick = await rebalance.rebalanceTick(
        {
          db: ds,
          env: {},
          log: { info: () => undefined, warn: () => undefined },
          producer: {
            add: (_n: JobName, _p: unknown, o?: { delayMs?: number }) => {
              delays.push(o?.delayMs ?? 0);
              return Promise.resolve();
            },
          },
        },
        plan.id,
      );
      assert.equal('started' in tick && tick.started, 0);
      assert.ok(
        delays[0] >= 59 * 60_000 && delays[0] <= 3600_000, // the window opens in 1-2 h; a tick at least hourly
        `next tick in ${delays[0]} ms`,
      );
    } finally {
      await ds.destroy();
    }
    await as(f, ops).post(`/api/rebalance/plans/${plan.id}/cancel`).send({}).expect(201);
  });

  async function countMoves(planId: number): Promise<number> {
    const { rows } = await f.pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM moves WHERE rebalance_plan_id = $1`,
      [planId],
    );
    return rows[0].n;
  }
});
