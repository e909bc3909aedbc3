import { PlanState } from '@roost/core';
import type { RebalancePlanResult } from '@roost/core';

/** A rebalance plan as the plans API returns it (`rebalance_plans` row; dry run = the planner's result). */
export interface PlanRecord {
  id: number;
  state: PlanState;
  policy: { tolerance?: number; maxMoves?: number; maxBytes?: number; [k: string]: unknown };
  dryRun: RebalancePlanResult | null;
  maxMovesPerBackend: number;
  windowStart: string | null;
  windowEnd: string | null;
  createdBy: number | null;
  approvedBy: number | null;
  approvedAt: string | null;
  error: string | null;
  createdAt: string;
  /** Aggregated progress, when the API adds it; else the console sums the plan's moves. */
  progress?: PlanProgress;
}

export interface PlanProgress {
  movesTotal: number;
  movesDone: number;
  movesFailed: number;
  movesRunning: number;
  bytesTotal: number;
  bytesDone: number;
}

export const PLAN_STATE_CHOICES = Object.values(PlanState).map((s) => ({ id: s, name: s }));

export const canApprove = (p: PlanRecord) =>
  p.state === PlanState.Draft && !!p.dryRun && p.dryRun.moves.length > 0;
export const canPause = (p: PlanState) => p === PlanState.Running || p === PlanState.Approved;
export const canResume = (p: PlanState) => p === PlanState.Paused;
export const canCancelPlan = (p: PlanState) =>
  p === PlanState.Draft ||
  p === PlanState.Approved ||
  p === PlanState.Running ||
  p === PlanState.Paused;
export const isLive = (p: PlanState) => p === PlanState.Approved || p === PlanState.Running;
