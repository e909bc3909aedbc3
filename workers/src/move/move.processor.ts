import { JobName, MoveEngine, MoveState, TERMINAL_MOVE_STATES } from '@roost/core';
import { DataSource } from 'typeorm';
import { cleanStep } from './clean.step';
import { copyStep } from './copy.step';
import { finalSyncStep } from './final-sync.step';
import { FolderSync, Logger } from './folder-sync';
import { freezeStep } from './freeze.step';
import { MoveControl } from './move-control';
import {
  FrozenTooLongError,
  MoveCancelledError,
  MovePermanentError,
  MoveRetryError,
  errorText,
  isTransient,
} from './move.errors';
import { MoveProgress } from './move-progress';
import { MoveRepository } from './move.repository';
import { EnqueueFn, FROZEN_STATES, MoveRun, PRE_FLIP_STATES } from './move-run';
import { MoveSessions } from './move-sessions';
import { MoveSettings } from './move.settings';
import { prepareStep } from './prepare.step';
import { rollbackStep } from './rollback.step';
import { sweepStep } from './sweep.step';
import { syncStep } from './sync.step';
import { verifyStep } from './verify.step';
import { xferStep } from './xfer.step';

/** What a move processor needs from the worker process. */
export interface MoveDeps {
  db: DataSource;
  log: Logger;
  /** Where `env:` secret references are read. */
  env: NodeJS.ProcessEnv;
  enqueue: EnqueueFn;
  settings: MoveSettings;
}

export type MoveJobResult = { state: MoveState } | { skipped: string };

const MAX_RETRY_DELAY_MS = 10 * 60_000;

/**
 * The move processor: one job (`MoveRun`) drives a move through its states, the state being
 * read from the `moves` row each time, so any worker can pick up where another stopped:
 *
 *   queued -> preparing -> copying -> syncing -> frozen -> final-sync -> verifying -> flipped
 *     -> retained -> (MoveClean, later) cleaned
 *   before the flip, on failure or cancel: -> rolled-back | cancelled
 *
 * Failures: inside the freeze the mailbox is thawed first (never left frozen while waiting for
 * a retry). A transient failure (a backend not answering) gets another attempt, a delayed
 * job with exponential backoff, until `maxAttempts` failed attempts, then it rolls back; a
 * permanent one rolls back at once. After the flip nothing is rolled back: the sweep is retried
 * until it succeeds.
 */
export async function runMove(deps: MoveDeps, moveId: number): Promise<MoveJobResult> {
  const repo = new MoveRepository(deps.db);
  const unlock = await repo.tryLockMove(moveId);
  if (!unlock) return { skipped: 'another worker is running this move' };
  try {
    const run = await openRun(deps, repo, moveId);
    if (!run) return { skipped: `move ${moveId} does not exist` };
    const state = run.subject.move.state;
    if (TERMINAL_MOVE_STATES.includes(state) || state === MoveState.Retained) {
      return { skipped: `move is ${state}` };
    }
    run.progress.start();
    try {
      await drive(run);
    } catch (err) {
      await handleFailure(run, err);
    } finally {
      await run.sessions.close();
      await run.progress.stop();
    }
    return { state: (await repo.reloadMove(moveId)).state };
  } finally {
    await unlock();
  }
}

/** The MoveClean job: deletes the source after retention, or a partial target after a rollback. */
export async function cleanMove(deps: MoveDeps, moveId: number): Promise<MoveJobResult> {
  const repo = new MoveRepository(deps.db);
  const unlock = await repo.tryLockMove(moveId);
  if (!unlock) return { skipped: 'another worker is running this move' };
  try {
    const run = await openRun(deps, repo, moveId);
    if (!run) return { skipped: `move ${moveId} does not exist` };
    try {
      const done = await cleanStep(run);
      deps.log.info('move clean', { move: moveId, result: done });
    } finally {
      await run.sessions.close();
    }
    return { state: (await repo.reloadMove(moveId)).state };
  } finally {
    await unlock();
  }
}

/**
 * The last word when BullMQ gives up on a MoveRun job (its attempts are exhausted, or it
 * stalled too often): a move that has not flipped is rolled back rather than left half-done.
 */
export async function giveUpMove(deps: MoveDeps, moveId: number, reason: string): Promise<void> {
  const repo = new MoveRepository(deps.db);
  const unlock = await repo.tryLockMove(moveId);
  if (!unlock) return;
  try {
    const run = await openRun(deps, repo, moveId);
    if (!run || !PRE_FLIP_STATES.includes(run.subject.move.state)) return;
    await rollbackStep(run, MoveState.RolledBack, `gave up: ${reason}`);
  } finally {
    await unlock();
  }
}

async function openRun(
  deps: MoveDeps,
  repo: MoveRepository,
  moveId: number,
): Promise<MoveRun | null> {
  const subject = await repo.load(moveId);
  if (!subject) return null;
  const progress = new MoveProgress(repo, moveId, deps.settings.progressEveryMs);
  const sessions = new MoveSessions(
    subject.source,
    subject.target,
    subject.mailbox.address,
    deps.env,
    deps.settings.imapTimeouts,
  );
  const sync = new FolderSync(repo, moveId, progress, deps.settings, deps.log);
  const control = new MoveControl(deps.db, repo, deps.log);
  return new MoveRun(
    subject,
    repo,
    deps.settings,
    progress,
    sessions,
    sync,
    control,
    deps.log,
    deps.enqueue,
  );
}

async function drive(run: MoveRun): Promise<void> {
  for (;;) {
    await run.refresh();
    const { move } = run.subject;
    if (move.cancelRequested && PRE_FLIP_STATES.includes(move.state))
      throw new MoveCancelledError();
    if (FROZEN_STATES.includes(move.state)) {
      const frozenAt = move.frozenAt?.getTime() ?? Date.now();
      run.progress.frozenDeadline = frozenAt + run.settings.maxFrozenMs;
      run.progress.throwIfAborted();
    } else {
      run.progress.frozenDeadline = undefined;
    }
    if (
      move.engine === MoveEngine.Xfer &&
      PRE_FLIP_STATES.includes(move.state) &&
      move.state !== MoveState.Queued
    ) {
      await xferStep(run);
      continue;
    }
    switch (move.state) {
      case MoveState.Queued:
      case MoveState.Preparing:
        if (move.engine === MoveEngine.Xfer) await xferStep(run);
        else await prepareStep(run);
        break;
      case MoveState.Copying:
        await copyStep(run);
        break;
      case MoveState.Syncing:
        await syncStep(run);
        break;
      case MoveState.Frozen:
        await freezeStep(run);
        break;
      case MoveState.FinalSync:
        await finalSyncStep(run);
        break;
      case MoveState.Verifying:
        await verifyStep(run);
        break;
      case MoveState.Flipped:
        await sweepStep(run);
        break;
      case MoveState.Retained:
      case MoveState.Cleaned:
      case MoveState.Failed:
      case MoveState.Cancelled:
      case MoveState.RolledBack:
        return;
    }
  }
}

async function handleFailure(run: MoveRun, err: unknown): Promise<void> {
  const reason = errorText(err);
  await run.refresh().catch(() => undefined);
  const { move, mailbox, source } = run.subject;
  run.log.warn('move step failed', { move: move.id, state: move.state, error: reason });

  if (!PRE_FLIP_STATES.includes(move.state)) {
    // flipped (sweep): the user is on the target; keep trying, never undo
    const attempts = await run.repo.failAttempt(move.id, reason);
    await scheduleRetry(run, attempts, reason);
    return;
  }
  if (err instanceof MoveCancelledError) {
    await rollbackStep(run, MoveState.Cancelled, 'cancelled by request');
    return;
  }
  if (FROZEN_STATES.includes(move.state)) {
    // never wait for a retry while frozen: the mailbox goes back to the source first
    await thaw(run, reason);
  }
  const attempts = await run.repo.failAttempt(move.id, reason);
  const permanent = !isTransient(err) && !(err instanceof FrozenTooLongError);
  if (permanent || attempts >= run.settings.maxAttempts) {
    const why = permanent ? reason : `${reason} (after ${attempts} attempts)`;
    await rollbackStep(run, MoveState.RolledBack, why);
    return;
  }
  run.log.warn('move will be retried', {
    move: move.id,
    mailbox: mailbox.id,
    source: source.name,
    attempts,
  });
  await scheduleRetry(run, attempts, reason);
}

/**
 * The next attempt is a job of its own, added here, rather than BullMQ's retry of the current
 * job: that job may no longer be ours (a stall made BullMQ hand it to another run, which found
 * this one holding the move's lock and ended). Only if Redis refuses is the retry left to BullMQ.
 */
async function scheduleRetry(run: MoveRun, attempts: number, reason: string): Promise<void> {
  const delayMs = Math.min(
    run.settings.retryDelayMs * 2 ** Math.max(0, attempts - 1),
    MAX_RETRY_DELAY_MS,
  );
  try {
    await run.enqueue(
      JobName.MoveRun,
      { moveId: run.moveId },
      { delayMs, version: `retry-${attempts}-${Date.now()}` },
    );
  } catch (err) {
    run.log.error('could not schedule the next attempt; leaving it to the job queue', {
      move: run.moveId,
      error: errorText(err),
    });
    throw new MoveRetryError(reason);
  }
}

/** Ends a freeze without a flip: the mailbox is live on the source again, held mail flows there. */
async function thaw(run: MoveRun, reason: string): Promise<void> {
  const { move, mailbox, source } = run.subject;
  await run.repo.thaw(move.id, mailbox.id, source.id, reason);
  run.progress.frozenDeadline = undefined;
  const why = `move ${move.id}: thawed (${reason.slice(0, 200)})`;
  await run.control.relays('flush', why);
  await run.control.backend(source, 'allow', run.address, why).catch(() => undefined);
  run.log.warn('move thawed', { move: move.id, reason });
}

export { MovePermanentError };
