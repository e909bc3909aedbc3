import { PlanState } from '@roost/core';
import type { RebalancePlanResult } from '@roost/core';

/** GET /api/rebalance/plans rows (api/src/rebalance/rebalance.repository.ts `PlanRow`). */
export interface PlanRecord {
  id: number;
  state: PlanState;
  policy: { tolerance: number; maxMoves?: number; maxBytes?: number };
  maxMovesPerBackend: number;
  windowStart: string | null;
  windowEnd: string | null;
  createdBy: number | null;
  approvedBy: number | null;
  approvedAt: string | null;
  error: string | null;
  createdAt: string;
  plannedMoves: number;
  plannedBytes: number;
  /** Only on GET /:id: the planner's answer as stored, and the moves made so far. */
  dryRun?: (RebalancePlanResult & { plannedAt: string; mailboxes: number }) | null;
  progress?: PlanProgress;
}

/** `PlanProgress` of the API: the moves the plan made so far, summed. */
export interface PlanProgress {
  planned: { moves: number; bytes: number };
  byState: Partial<Record<string, number>>;
  started: number;
  running: number;
  flipped: number;
  failed: number;
  bytesTotal: number;
  bytesDone: number;
  messagesTotal: number;
  messagesDone: number;
  /** Share of the planned bytes already on their target (flipped moves), 0-100. */
  percent: number;
}

export const PLAN_STATE_CHOICES = Object.values(PlanState).map((s) => ({ id: s, name: s }));

export const canApprove = (p: PlanRecord) => p.state === PlanState.Draft && p.plannedMoves > 0;
export const canPause = (p: PlanState) => p === PlanState.Running || p === PlanState.Approved;
export const canResume = (p: PlanState) => p === PlanState.Paused;
export const canCancelPlan = (p: PlanState) =>
  p === PlanState.Draft ||
  p === PlanState.Approved ||
  p === PlanState.Running ||
  p === PlanState.Paused;
export const isLive = (p: PlanState) => p === PlanState.Approved || p === PlanState.Running;
