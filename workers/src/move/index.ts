import { JobName } from '@roost/core';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { Logger } from './folder-sync';
import { MoveDeps, cleanMove, giveUpMove, runMove } from './move.processor';
import { EnqueueFn } from './move-run';
import { MoveSettings, loadMoveSettings } from './move.settings';

export { MoveDeps, MoveJobResult, cleanMove, giveUpMove, runMove } from './move.processor';
export {
  DEFAULT_MOVE_SETTINGS,
  MoveSettings,
  MoveSettingsError,
  loadMoveSettings,
} from './move.settings';
export { EnqueueFn, FROZEN_STATES, PRE_FLIP_STATES } from './move-run';
export { VerificationReport, FolderVerification, compareFolder } from './verification';
export { planBatches } from './folder-sync';
export { copyableEntry } from './structure';
export { MoveRepository } from './move.repository';

/** The parts of the worker's context the move queue uses (see workers/src/context.ts). */
export interface MoveWorkerContext {
  db: DataSource;
  log: Logger;
  env: NodeJS.ProcessEnv;
  producer: {
    add(
      name: JobName,
      payload: { moveId: number },
      options?: { delayMs?: number; version?: string | number },
    ): Promise<unknown>;
  };
}

interface MoveHandler<J extends JobName.MoveRun | JobName.MoveClean> {
  run(data: { moveId: number }, ctx: MoveWorkerContext, job?: Job): Promise<unknown>;
  onGiveUp?(data: { moveId: number }, reason: string, ctx: MoveWorkerContext): Promise<void>;
  readonly name?: J;
}

/**
 * The move queue's handlers, in the shape of the worker registry (`QueueHandlers`):
 *   [QueueName.Move]: moveQueueHandlers,
 * Settings come from `ROOST_MOVE_*` in the worker's environment unless given here.
 */
export function createMoveHandlers(overrides: Partial<MoveSettings> = {}): {
  [JobName.MoveRun]: MoveHandler<JobName.MoveRun>;
  [JobName.MoveClean]: MoveHandler<JobName.MoveClean>;
} {
  let settings: MoveSettings | undefined;
  const deps = (ctx: MoveWorkerContext): MoveDeps => {
    settings ??= loadMoveSettings(ctx.env, overrides);
    const enqueue: EnqueueFn = async (name, payload, options) => {
      await ctx.producer.add(name, payload, options);
    };
    return { db: ctx.db, log: ctx.log, env: ctx.env, enqueue, settings };
  };
  return {
    [JobName.MoveRun]: {
      run: ({ moveId }, ctx) => runMove(deps(ctx), moveId),
      onGiveUp: ({ moveId }, reason, ctx) => giveUpMove(deps(ctx), moveId, reason),
    },
    [JobName.MoveClean]: {
      run: ({ moveId }, ctx) => cleanMove(deps(ctx), moveId),
    },
  };
}

export const moveQueueHandlers = createMoveHandlers();
