import { MoveState, OPEN_MOVE_STATES, PlanState } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';

export interface PlannedMove {
  mailboxId: number;
  fromBackendId: number;
  toBackendId: number;
  bytes: number;
}

export interface PlanForRun {
  id: number;
  state: PlanState;
  approvedBy: number | null;
  maxMovesPerBackend: number;
  /** 'HH:MM:SS' (UTC) or null. */
  windowStart: string | null;
  windowEnd: string | null;
  moves: PlannedMove[];
}

/** All SQL of the rebalance queue. */
export class RebalanceJobRepository {
  constructor(private readonly db: DataSource) {}

  async plan(id: number): Promise<PlanForRun | null> {
    const rows: {
      id: number;
      state: PlanState;
      approved_by: number | null;
      max_moves_per_backend: number;
      window_start: string | null;
      window_end: string | null;
      moves: PlannedMove[] | null;
    }[] = await this.db.query(
      `SELECT id, state, approved_by, max_moves_per_backend, window_start::text, window_end::text,
              dry_run->'moves' AS moves
         FROM rebalance_plans WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      state: r.state,
      approvedBy: r.approved_by,
      maxMovesPerBackend: r.max_moves_per_backend,
      windowStart: r.window_start,
      windowEnd: r.window_end,
      moves: r.moves ?? [],
    };
  }

  /** The plan's moves so far, per mailbox (the latest one). */
  async planMoves(planId: number): Promise<Map<number, { id: number; state: MoveState }>> {
    const rows: { id: number; mailbox_id: number; state: MoveState }[] = await this.db.query(
      `SELECT DISTINCT ON (mailbox_id) id, mailbox_id, state FROM moves
        WHERE rebalance_plan_id = $1 ORDER BY mailbox_id, id DESC`,
      [planId],
    );
    return new Map(rows.map((r) => [Number(r.mailbox_id), { id: Number(r.id), state: r.state }]));
  }

  /** Moves under way per backend (as source or target), whatever started them. */
  async inFlight(): Promise<Map<number, number>> {
    const rows: { backend_id: number; n: number }[] = await this.db.query(
      `SELECT backend_id, count(*)::int AS n FROM (
         SELECT source_backend_id AS backend_id FROM moves WHERE state = ANY($1::text[])
         UNION ALL
         SELECT target_backend_id FROM moves WHERE state = ANY($1::text[])) x
        GROUP BY backend_id`,
      [OPEN_MOVE_STATES],
    );
    return new Map(rows.map((r) => [Number(r.backend_id), r.n]));
  }

  /**
   * Starts one planned move if it still makes sense: the mailbox is still on the planned source,
   * active, not pinned, with no move under way, and the target is active. Null otherwise.
   */
  async startMove(
    planId: number,
    approvedBy: number | null,
    m: PlannedMove,
  ): Promise<number | null> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('roost.mailbox-job'), $1::int)`, [
        m.mailboxId % 2_147_483_647,
      ]);
      const rows: { id: number }[] = await em.query(
        `INSERT INTO moves (mailbox_id, source_backend_id, target_backend_id, engine, requested_by, rebalance_plan_id)
         SELECT m.id, m.backend_id, t.id, 'imap', $4, $5
           FROM mailboxes m JOIN backends t ON t.id = $3
          WHERE m.id = $1 AND m.backend_id = $2 AND m.active AND m.state = 'active' AND NOT m.pinned
            AND t.state = 'active'
         ON CONFLICT DO NOTHING
         RETURNING id`,
        [m.mailboxId, m.fromBackendId, m.toBackendId, approvedBy, planId],
      );
      return rows[0] ? Number(rows[0].id) : null;
    });
  }

  /** Whether a planned move that has not started could still start (see startMove). */
  async startable(m: PlannedMove): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM mailboxes m JOIN backends t ON t.id = $3
        WHERE m.id = $1 AND m.backend_id = $2 AND m.active AND m.state = 'active' AND NOT m.pinned
          AND t.state = 'active'`,
      [m.mailboxId, m.fromBackendId, m.toBackendId],
    );
    return rows.length > 0;
  }

  async finish(planId: number, to: PlanState, error: string | null): Promise<boolean> {
    const rows: unknown[] = await updated(
      this.db,
      `UPDATE rebalance_plans SET state = $2, error = $3, updated_at = now()
        WHERE id = $1 AND state = $4 RETURNING id`,
      [planId, to, error, PlanState.Running],
    );
    return rows.length > 0;
  }

  /** One tick at a time per plan: a session lock on its own connection. */
  async tryLock(planId: number): Promise<(() => Promise<void>) | null> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    const rows: { locked: boolean }[] = await runner.query(
      `SELECT pg_try_advisory_lock(hashtext('roost.rebalance'), $1::int) AS locked`,
      [planId],
    );
    if (!rows[0]?.locked) {
      await runner.release();
      return null;
    }
    return async () => {
      try {
        await runner.query(`SELECT pg_advisory_unlock(hashtext('roost.rebalance'), $1::int)`, [
          planId,
        ]);
      } finally {
        await runner.release();
      }
    };
  }
}

export const TERMINAL_OR_DONE: readonly MoveState[] = [
  MoveState.Retained,
  MoveState.Cleaned,
  MoveState.Failed,
  MoveState.Cancelled,
  MoveState.RolledBack,
];

/**
 * The rows of an `UPDATE ... RETURNING`. TypeORM's query() answers `[rows, count]` for an
 * UPDATE (a plain array for anything else), so the statement runs inside a CTE, as a SELECT.
 */
async function updated<T = Record<string, unknown>>(
  db: EntityManager | DataSource,
  text: string,
  params: unknown[],
): Promise<T[]> {
  return db.query<T[]>(`WITH changed AS (${text}) SELECT * FROM changed`, params);
}
