import { JobName, MoveState, PRE_FLIP_MOVE_STATES } from '@roost/core';
import { FolderInfo, TransferSession } from '@roost/imap';
import { FolderRef, FolderSync, Logger, PassMode, PassResult } from './folder-sync';
import { MoveControl } from './move-control';
import { MoveProgress } from './move-progress';
import { Lane, MoveSessions } from './move-sessions';
import { MoveRepository, MoveSubject } from './move.repository';
import { MoveSettings } from './move.settings';
import { VerifiedState } from './verification';

/** Adds a follow-up job (the worker's producer; tests pass their own). */
export type EnqueueFn = (
  name: JobName.MoveRun | JobName.MoveClean,
  payload: { moveId: number },
  options: { delayMs?: number; version?: string | number },
) => Promise<void>;

/** States before the flip: a failure or cancel here rolls back. */
export const PRE_FLIP_STATES = PRE_FLIP_MOVE_STATES;

/** States in which the mailbox is frozen. */
export const FROZEN_STATES: readonly MoveState[] = [
  MoveState.Frozen,
  MoveState.FinalSync,
  MoveState.Verifying,
];

/** Everything one run of a move uses; steps read and change it. */
export class MoveRun {
  /** Notes for the verification report (skipped controls, relay failures, ...). */
  readonly warnings: string[] = [];
  /** Verifications that failed in this run (one more final sync is allowed). */
  verifyFailures = 0;
  /** Folder verifications made just before the freeze, reused inside it when nothing changed. */
  readonly preverified = new Map<string, VerifiedState>();

  constructor(
    public subject: MoveSubject,
    readonly repo: MoveRepository,
    readonly settings: MoveSettings,
    readonly progress: MoveProgress,
    readonly sessions: MoveSessions,
    readonly sync: FolderSync,
    readonly control: MoveControl,
    readonly log: Logger,
    readonly enqueue: EnqueueFn,
  ) {}

  get moveId(): number {
    return this.subject.move.id;
  }

  get address(): string {
    return this.subject.mailbox.address;
  }

  /** Re-reads the move and its mailbox (state, cancel flag, routing entry). */
  async refresh(): Promise<void> {
    this.subject = {
      ...this.subject,
      move: await this.repo.reloadMove(this.moveId),
      mailbox: await this.repo.reloadMailbox(this.subject.mailbox.id),
    };
  }

  /** Moves on to the next state; false when someone else changed it meanwhile. */
  async advance(from: MoveState, to: MoveState): Promise<boolean> {
    const ok = await this.repo.transition(this.moveId, [from], to);
    if (ok) this.log.info('move state', { move: this.moveId, from, to });
    return ok;
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
    this.log.warn(message, { move: this.moveId });
  }

  async lanes(count = this.settings.parallelFolders): Promise<Lane[]> {
    return this.sessions.openLanes(Math.max(1, count));
  }

  /** The source's folders as the owner sees them (selectable ones). */
  async sourceFolders(src: TransferSession): Promise<FolderRef[]> {
    const folders = await src.listFolders();
    return folders.filter(isRealFolder).map((f) => ({ name: f.name, raw: f.raw }));
  }

  /**
   * Runs `fn` for every folder, several at once (one lane each), biggest first. The first
   * failure stops the others from taking new folders and is rethrown.
   */
  async forEachFolder<T>(
    folders: FolderRef[],
    fn: (lane: Lane, folder: FolderRef) => Promise<T>,
  ): Promise<Map<string, T>> {
    const results = new Map<string, T>();
    if (folders.length === 0) return results;
    const lanes = await this.lanes(Math.min(this.settings.parallelFolders, folders.length));
    const queue = [...folders];
    let failure: Error | undefined;
    await Promise.all(
      lanes.map(async (lane) => {
        for (;;) {
          if (failure !== undefined) return;
          const folder = queue.shift();
          if (!folder) return;
          try {
            this.progress.throwIfAborted();
            results.set(folder.raw, await fn(lane, folder));
          } catch (err) {
            failure ??= err instanceof Error ? err : new Error(String(err));
            return;
          }
        }
      }),
    );
    if (failure !== undefined) throw failure;
    return results;
  }

  /** One pass of `mode` over every source folder; returns the totals. */
  async passAll(mode: PassMode, folders?: FolderRef[]): Promise<PassResult & { folders: number }> {
    const lanes = await this.lanes(1);
    const list = folders ?? (await this.sourceFolders(lanes[0].src));
    // biggest first, by what the last pass saw (new folders count as big)
    list.sort(
      (a, b) =>
        (this.sync.checkpoint(b.name)?.messagesTotal ?? 1e9) -
        (this.sync.checkpoint(a.name)?.messagesTotal ?? 1e9),
    );
    this.progress.resetFinished();
    const results = await this.forEachFolder(list, async (lane, folder) => {
      const r = await this.sync.pass(lane, folder, mode);
      if (r.vanished) {
        await this.sync.forget(folder);
        this.progress.removeFolder(folder.name);
      } else {
        this.progress.finished(folder.name, true);
      }
      return r;
    });
    const total = {
      copied: 0,
      copiedBytes: 0,
      flagsChanged: 0,
      expunged: 0,
      vanished: false,
      folders: list.length,
    };
    for (const r of results.values()) {
      total.copied += r.copied;
      total.copiedBytes += r.copiedBytes;
      total.flagsChanged += r.flagsChanged;
      total.expunged += r.expunged;
    }
    return total;
  }
}

export function isRealFolder(f: FolderInfo): boolean {
  return f.selectable && !f.attributes.some((a) => a.toLowerCase() === '\\nonexistent');
}
