import { Injectable } from '@nestjs/common';
import {
  MoveState,
  PlanState,
  PlannerBackend,
  PlannerMailbox,
  RebalancePlanResult,
} from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { exactPage, SqlWhere } from '../common/list-sql';
import { ListQuery, Page } from '../common/list-query';
import { sql } from '../common/sql';

export interface PlanPolicy {
  tolerance: number;
  maxMoves?: number;
  maxBytes?: number;
}

export interface PlanRow {
  id: number;
  createdBy: number | null;
  policy: PlanPolicy;
  state: PlanState;
  approvedBy: number | null;
  approvedAt: Date | null;
  maxMovesPerBackend: number;
  windowStart: string | null;
  windowEnd: string | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  plannedMoves: number;
  plannedBytes: number;
}

/** The dry run as stored: the planner's answer and when it was computed. */
export type DryRun = RebalancePlanResult & { plannedAt: string; mailboxes: number };

export interface PlanProgress {
  planned: { moves: number; bytes: number };
  /** Moves created so far, by state. */
  byState: Partial<Record<MoveState, number>>;
  started: number;
  running: number;
  flipped: number;
  failed: number;
  bytesTotal: number;
  bytesDone: number;
  messagesTotal: number;
  messagesDone: number;
  /** Share of the planned bytes that is on its target (flipped moves), 0-100. */
  percent: number;
}

export const PLAN_SORT = ['id', 'createdAt'] as const;
export const PLAN_FILTERS = { id: 'ids', state: { enum: Object.values(PlanState) } } as const;

const SELECT = `
  SELECT p.id, p.created_by AS "createdBy", p.policy, p.state, p.approved_by AS "approvedBy",
         p.approved_at AS "approvedAt", p.max_moves_per_backend AS "maxMovesPerBackend",
         to_char(p.window_start, 'HH24:MI') AS "windowStart", to_char(p.window_end, 'HH24:MI') AS "windowEnd",
         p.error, p.created_at AS "createdAt", p.updated_at AS "updatedAt",
         coalesce(jsonb_array_length(p.dry_run->'moves'), 0)::int AS "plannedMoves",
         coalesce((p.dry_run->>'bytesToMove')::bigint, 0) AS "plannedBytes"
    FROM rebalance_plans p`;

@Injectable()
export class RebalanceRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * The fleet as the planner sees it. A mailbox that cannot be moved now (pinned, not active,
   * or with a move under way) is given to the planner as pinned: it stays where it is.
   */
  async snapshot(): Promise<{ backends: PlannerBackend[]; mailboxes: PlannerMailbox[] }> {
    const em = this.ds.manager;
    const backends = await sql<PlannerBackend>(
      em,
      `SELECT b.id, b.state, b.weight, b.capacity_bytes AS "capacityBytes", b.capacity_mailboxes AS "capacityMailboxes",
              coalesce(f.used, 0)::bigint AS "usedBytes", coalesce(f.n, 0)::int AS "mailboxCount"
         FROM backends b
         LEFT JOIN LATERAL (SELECT count(*) AS n, sum(m.used_bytes) AS used FROM mailboxes m WHERE m.backend_id = b.id) f ON true
        ORDER BY b.id`,
    );
    const mailboxes = await sql<PlannerMailbox>(
      em,
      `SELECT m.id, m.backend_id AS "backendId", m.used_bytes AS "usedBytes",
              (m.pinned OR m.state <> 'active' OR NOT m.active
                 OR EXISTS (SELECT 1 FROM moves mv WHERE mv.mailbox_id = m.id
                              AND mv.state NOT IN ('retained','cleaned','failed','cancelled','rolled-back'))) AS pinned
         FROM mailboxes m`,
    );
    return { backends: backends.rows, mailboxes: mailboxes.rows };
  }

  async insert(
    em: EntityManager,
    p: {
      createdBy: number;
      policy: PlanPolicy;
      dryRun: DryRun;
      maxMovesPerBackend: number;
      windowStart: string | null;
      windowEnd: string | null;
    },
  ): Promise<number> {
    const { rows } = await sql<{ id: number }>(
      em,
      `INSERT INTO rebalance_plans (created_by, policy, dry_run, state, max_moves_per_backend, window_start, window_end)
       VALUES ($1, $2::jsonb, $3::jsonb, 'draft', $4, $5, $6) RETURNING id`,
      [
        p.createdBy,
        JSON.stringify(p.policy),
        JSON.stringify(p.dryRun),
        p.maxMovesPerBackend,
        p.windowStart,
        p.windowEnd,
      ],
    );
    return rows[0].id;
  }

  async list(
    q: ListQuery<(typeof PLAN_SORT)[number], typeof PLAN_FILTERS>,
  ): Promise<Page<PlanRow>> {
    const where = new SqlWhere();
    if (q.filter.id) where.and(`p.id = ANY(${where.param(q.filter.id)}::int[])`);
    if (q.filter.state) where.and(`p.state = ${where.param(q.filter.state)}`);
    const column = q.sort === 'createdAt' ? 'p.created_at' : 'p.id';
    return exactPage(this.ds.manager, q, {
      select: SELECT,
      countFrom: 'FROM rebalance_plans p',
      where,
      orderBy: `${column} ${q.order}, p.id ${q.order}`,
    });
  }

  async findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<PlanRow | null> {
    if (lock) await sql(em, `SELECT id FROM rebalance_plans WHERE id = $1 FOR UPDATE`, [id]);
    const { rows } = await sql<PlanRow>(em, `${SELECT} WHERE p.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async dryRun(id: number): Promise<DryRun | null> {
    const { rows } = await sql<{ dryRun: DryRun | null }>(
      this.ds.manager,
      `SELECT dry_run AS "dryRun" FROM rebalance_plans WHERE id = $1`,
      [id],
    );
    return rows[0]?.dryRun ?? null;
  }

  /** Conditional state change; false when the plan was not in one of `from`. */
  async transition(
    em: EntityManager,
    id: number,
    from: PlanState[],
    to: PlanState,
    approvedBy?: number,
  ): Promise<boolean> {
    const { affected } = await sql(
      em,
      `UPDATE rebalance_plans SET state = $3, updated_at = now(),
              approved_by = coalesce($4, approved_by),
              approved_at = CASE WHEN $4::int IS NULL THEN approved_at ELSE now() END
        WHERE id = $1 AND state = ANY($2::text[])`,
      [id, from, to, approvedBy ?? null],
    );
    return affected > 0;
  }

  async progress(id: number, planned: { moves: number; bytes: number }): Promise<PlanProgress> {
    const { rows } = await sql<{
      state: MoveState;
      n: number;
      bytesTotal: number;
      bytesDone: number;
      messagesTotal: number;
      messagesDone: number;
    }>(
      this.ds.manager,
      `SELECT state, count(*)::int AS n, sum(bytes_total)::bigint AS "bytesTotal", sum(bytes_done)::bigint AS "bytesDone",
              sum(messages_total)::bigint AS "messagesTotal", sum(messages_done)::bigint AS "messagesDone"
         FROM moves WHERE rebalance_plan_id = $1 GROUP BY state`,
      [id],
    );
    const byState: Partial<Record<MoveState, number>> = {};
    const p: PlanProgress = {
      planned,
      byState,
      started: 0,
      running: 0,
      flipped: 0,
      failed: 0,
      bytesTotal: 0,
      bytesDone: 0,
      messagesTotal: 0,
      messagesDone: 0,
      percent: 0,
    };
    let flippedBytes = 0;
    for (const r of rows) {
      byState[r.state] = r.n;
      p.started += r.n;
      p.bytesTotal += Number(r.bytesTotal);
      p.bytesDone += Number(r.bytesDone);
      p.messagesTotal += Number(r.messagesTotal);
      p.messagesDone += Number(r.messagesDone);
      if ([MoveState.Flipped, MoveState.Retained, MoveState.Cleaned].includes(r.state)) {
        p.flipped += r.n;
        flippedBytes += Number(r.bytesTotal);
      } else if ([MoveState.Failed, MoveState.RolledBack, MoveState.Cancelled].includes(r.state)) {
        p.failed += r.n;
      } else {
        p.running += r.n;
      }
    }
    p.percent =
      planned.bytes > 0 ? Math.min(100, Math.round((1000 * flippedBytes) / planned.bytes) / 10) : 0;
    return p;
  }

  /** Open moves of the plan that have not flipped: a cancel of the plan cancels them. */
  async requestCancelOfMoves(em: EntityManager, planId: number): Promise<number[]> {
    const { rows } = await sql<{ id: number }>(
      em,
      `UPDATE moves SET cancel_requested = true, updated_at = now()
        WHERE rebalance_plan_id = $1
          AND state IN ('queued','preparing','copying','syncing','frozen','final-sync','verifying')
        RETURNING id`,
      [planId],
    );
    return rows.map((r) => r.id);
  }
}
