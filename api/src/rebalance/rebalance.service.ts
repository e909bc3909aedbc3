import { Injectable } from '@nestjs/common';
import { JobName, PlanState, planRebalance } from '@roost/core';
import { DataSource } from 'typeorm';
import { Actor, callerOf } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { badRequest, conflict, notFound } from '../common/api-error';
import { ListQuery, Page } from '../common/list-query';
import { JobsService } from '../jobs/jobs.service';
import { CreatePlanDto } from './rebalance.dto';
import {
  DryRun,
  PLAN_FILTERS,
  PLAN_SORT,
  PlanProgress,
  PlanRow,
  RebalanceRepository,
} from './rebalance.repository';

export interface PlanDetail extends PlanRow {
  dryRun: DryRun | null;
  progress: PlanProgress;
}

/**
 * Rebalancing: a plan is a dry run of the core planner over the fleet as it is now; once an
 * operator approves it, the rebalance job (workers/src/rebalance) starts its moves with at most
 * `maxMovesPerBackend` running per backend, inside the maintenance window when there is one.
 */
@Injectable()
export class RebalanceService {
  constructor(
    private readonly ds: DataSource,
    private readonly plans: RebalanceRepository,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
  ) {}

  list(q: ListQuery<(typeof PLAN_SORT)[number], typeof PLAN_FILTERS>): Promise<Page<PlanRow>> {
    return this.plans.list(q);
  }

  async get(id: number): Promise<PlanDetail> {
    const plan = await this.plans.findById(id);
    if (!plan) throw notFound('plan');
    const dryRun = await this.plans.dryRun(id);
    const progress = await this.plans.progress(id, {
      moves: plan.plannedMoves,
      bytes: plan.plannedBytes,
    });
    return { ...plan, dryRun, progress };
  }

  /** The dry run: moves, bytes, fill per backend before and after. Nothing moves yet. */
  async create(actor: Actor, dto: CreatePlanDto): Promise<PlanDetail> {
    if ((dto.windowStart === undefined) !== (dto.windowEnd === undefined)) {
      throw badRequest(
        dto.windowStart === undefined ? 'windowStart' : 'windowEnd',
        'must be given with the other end of the window',
      );
    }
    if (dto.windowStart !== undefined && dto.windowStart === dto.windowEnd) {
      throw badRequest('windowEnd', 'must differ from windowStart');
    }
    const policy = {
      tolerance: dto.tolerance ?? 0.05,
      ...(dto.maxMoves !== undefined ? { maxMoves: dto.maxMoves } : {}),
      ...(dto.maxBytes !== undefined ? { maxBytes: dto.maxBytes } : {}),
    };
    const { backends, mailboxes } = await this.plans.snapshot();
    const result = planRebalance(backends, mailboxes, policy);
    const dryRun: DryRun = {
      ...result,
      plannedAt: new Date().toISOString(),
      mailboxes: mailboxes.length,
    };
    const id = await this.ds.transaction(async (em) => {
      const planId = await this.plans.insert(em, {
        createdBy: actor.id,
        policy,
        dryRun,
        maxMovesPerBackend: dto.maxMovesPerBackend ?? 1,
        windowStart: dto.windowStart ?? null,
        windowEnd: dto.windowEnd ?? null,
      });
      await this.audit.record(em, callerOf(actor), {
        action: 'rebalance.plan',
        targetType: 'rebalance-plan',
        targetId: planId,
        after: {
          policy,
          moves: result.moves.length,
          bytesToMove: result.bytesToMove,
          lowerBoundBytes: result.lowerBoundBytes,
          withinTolerance: result.withinTolerance,
        },
        reason: dto.reason ?? null,
      });
      return planId;
    });
    return this.get(id);
  }

  async approve(actor: Actor, id: number, reason?: string): Promise<PlanDetail> {
    await this.change(
      actor,
      id,
      [PlanState.Draft],
      PlanState.Running,
      'rebalance.approve',
      reason,
      true,
    );
    await this.jobs.enqueueAfterCommit(
      JobName.RebalanceRun,
      { planId: id },
      `approve-${Date.now()}`,
    );
    return this.get(id);
  }

  /** Running moves finish; no new ones start until it is resumed. */
  async pause(actor: Actor, id: number, reason?: string): Promise<PlanDetail> {
    await this.change(
      actor,
      id,
      [PlanState.Running, PlanState.Approved],
      PlanState.Paused,
      'rebalance.pause',
      reason,
    );
    return this.get(id);
  }

  async resume(actor: Actor, id: number, reason?: string): Promise<PlanDetail> {
    await this.change(actor, id, [PlanState.Paused], PlanState.Running, 'rebalance.resume', reason);
    await this.jobs.enqueueAfterCommit(
      JobName.RebalanceRun,
      { planId: id },
      `resume-${Date.now()}`,
    );
    return this.get(id);
  }

  /** No new moves; those of the plan that have not flipped are cancelled (rolled back). */
  async cancel(actor: Actor, id: number, reason?: string): Promise<PlanDetail> {
    const cancelled = await this.ds.transaction(async (em) => {
      const before = await this.plans.findById(id, em, true);
      if (!before) throw notFound('plan');
      const ok = await this.plans.transition(
        em,
        id,
        [PlanState.Draft, PlanState.Approved, PlanState.Running, PlanState.Paused],
        PlanState.Cancelled,
      );
      if (!ok) throw conflict('state', `is ${before.state}`);
      const moves = await this.plans.requestCancelOfMoves(em, id);
      await this.audit.record(em, callerOf(actor), {
        action: 'rebalance.cancel',
        targetType: 'rebalance-plan',
        targetId: id,
        before: { state: before.state },
        after: { state: PlanState.Cancelled, cancelledMoves: moves },
        reason: reason ?? null,
      });
      return moves;
    });
    for (const moveId of cancelled) {
      await this.jobs.enqueueAfterCommit(JobName.MoveRun, { moveId }, `cancel-${Date.now()}`);
    }
    return this.get(id);
  }

  private async change(
    actor: Actor,
    id: number,
    from: PlanState[],
    to: PlanState,
    action: string,
    reason: string | undefined,
    approving = false,
  ): Promise<void> {
    await this.ds.transaction(async (em) => {
      const before = await this.plans.findById(id, em, true);
      if (!before) throw notFound('plan');
      if (!(await this.plans.transition(em, id, from, to, approving ? actor.id : undefined))) {
        throw conflict('state', `is ${before.state}; this needs ${from.join(' or ')}`);
      }
      if (approving && before.plannedMoves === 0) throw conflict('id', 'the plan has no moves');
      await this.audit.record(em, callerOf(actor), {
        action,
        targetType: 'rebalance-plan',
        targetId: id,
        before: { state: before.state },
        after: { state: to },
        reason: reason ?? null,
      });
    });
  }
}
