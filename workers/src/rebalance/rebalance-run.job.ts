import { JobName, MoveState, PlanState } from '@roost/core';
import { DataSource } from 'typeorm';
import { msUntilWindow } from './maintenance-window';
import { RebalanceJobRepository, TERMINAL_OR_DONE } from './rebalance.repository';

export interface RebalanceWorkerContext {
  db: DataSource;
  env: NodeJS.ProcessEnv;
  log: {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
  };
  producer: {
    add(
      name: JobName,
      payload: { moveId: number } | { planId: number },
      options?: { delayMs?: number; version?: string | number },
    ): Promise<unknown>;
  };
}

const DEFAULT_TICK_MS = 5_000;

/**
 * One tick of an approved plan (RebalanceRun): starts the planned moves that may start now
 * (per-backend limit over every move under way, maintenance window), then schedules the next
 * tick; when every planned move has ended or can no longer start, the plan is completed (or
 * failed when one of its moves did not flip). Paused or cancelled plans stop ticking.
 */
export async function rebalanceTick(
  ctx: RebalanceWorkerContext,
  planId: number,
): Promise<
  { skipped: string } | { started: number; running: number; left: number; state: PlanState }
> {
  const repo = new RebalanceJobRepository(ctx.db);
  const unlock = await repo.tryLock(planId);
  if (!unlock) return { skipped: 'another tick of this plan is running' };
  try {
    const plan = await repo.plan(planId);
    if (!plan) return { skipped: 'no such plan' };
    if (plan.state !== PlanState.Running) return { skipped: `plan is ${plan.state}` };
    const tickMs = Number(ctx.env.ROOST_REBALANCE_TICK_MS ?? DEFAULT_TICK_MS) || DEFAULT_TICK_MS;
    const next = (delayMs: number) =>
      ctx.producer.add(
        JobName.RebalanceRun,
        { planId },
        { delayMs, version: `tick-${Date.now()}` },
      );

    const started = await repo.planMoves(planId);
    const wait = msUntilWindow(plan.windowStart, plan.windowEnd, new Date());
    let running = 0;
    let failed = 0;
    for (const m of started.values()) {
      if (!TERMINAL_OR_DONE.includes(m.state)) running++;
      else if (m.state !== MoveState.Retained && m.state !== MoveState.Cleaned) failed++;
    }
    const pending = plan.moves.filter((m) => !started.has(m.mailboxId));
    let startedNow = 0;
    if (wait === 0 && pending.length > 0) {
      const load = await repo.inFlight();
      const limit = plan.maxMovesPerBackend;
      for (const m of pending) {
        if ((load.get(m.fromBackendId) ?? 0) >= limit || (load.get(m.toBackendId) ?? 0) >= limit)
          continue;
        const moveId = await repo.startMove(planId, plan.approvedBy, m);
        if (moveId === null) continue; // no longer possible; counted below
        await ctx.producer.add(JobName.MoveRun, { moveId }, {});
        load.set(m.fromBackendId, (load.get(m.fromBackendId) ?? 0) + 1);
        load.set(m.toBackendId, (load.get(m.toBackendId) ?? 0) + 1);
        started.set(m.mailboxId, { id: moveId, state: MoveState.Queued });
        startedNow++;
        running++;
      }
    }
    let left = 0;
    for (const m of plan.moves) if (!started.has(m.mailboxId) && (await repo.startable(m))) left++;

    if (running === 0 && left === 0) {
      const state = failed > 0 ? PlanState.Failed : PlanState.Completed;
      const skipped = plan.moves.filter((m) => !started.has(m.mailboxId)).length;
      const note = [
        failed ? `${failed} move(s) did not flip` : '',
        skipped
          ? `${skipped} planned move(s) no longer applied (mailbox moved, changed or pinned)`
          : '',
      ]
        .filter(Boolean)
        .join('; ');
      await repo.finish(planId, state, note || null);
      ctx.log.info('rebalance plan finished', { plan: planId, state, failed, skipped });
      return { started: startedNow, running, left, state };
    }
    await next(wait > 0 ? Math.min(wait, 3_600_000) : tickMs);
    return { started: startedNow, running, left, state: plan.state };
  } finally {
    await unlock();
  }
}
