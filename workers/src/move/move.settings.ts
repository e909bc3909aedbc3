import { ImapTimeouts } from '@roost/imap';

/**
 * How moves run. Defaults suit a 2-core worker next to loopback backends (notes/cyrus.md §7:
 * MULTIAPPEND batches of 100, two folders in parallel, ~1100 msg/s). Every value can be set
 * through the environment (`ROOST_MOVE_*`), checked at boot.
 */
export interface MoveSettings {
  /** Folders copied at the same time; each holds one source and one target connection. */
  parallelFolders: number;
  /**
   * Messages per MULTIAPPEND. Cyrus' cost per message falls with the batch: 3000 messages of
   * 2-20 KB took 4.0 s of target imapd CPU in batches of 100 and 2.4 s in batches of 250
   * (measured here); under contention that CPU is the throughput.
   */
  batchMessages: number;
  /** Bytes per MULTIAPPEND; a larger single message goes alone. */
  batchBytes: number;
  /** Message bytes held in memory at once across all folders (a bigger message waits for all of it). */
  memoryBytes: number;
  /** Delta passes before the freeze, at most. */
  syncMaxPasses: number;
  /** A delta pass that copied fewer messages than this is small enough to freeze after. */
  syncSmallDelta: number;
  /** Pause between delta passes, so that a pass has something to do (0: none). */
  syncIntervalMs: number;
  /**
   * Wait after the freeze for deliveries and sessions already under way. cyr_deny also refuses
   * LMTP for the user (451 4.2.1), so a delivery caught by the deny is deferred by Postfix and
   * reaches the target after the flip; the settle only has to let sessions and accepted
   * deliveries finish (a local LMTP delivery takes ~50 ms, notes/routing.md §6.3).
   */
  settleMs: number;
  /** No mailbox stays frozen longer: the move thaws it and tries again later, or rolls back. */
  maxFrozenMs: number;
  /** How long the source copy is kept (read-only) after the flip before MoveClean deletes it. */
  retentionMs: number;
  /** Failed attempts before a move rolls back. */
  maxAttempts: number;
  /** First wait before another attempt; doubled each time, at most 10 minutes. */
  retryDelayMs: number;
  /** Progress is written at least this often (the API promises every 2 s). */
  progressEveryMs: number;
  imapTimeouts: Partial<ImapTimeouts>;
}

export const DEFAULT_MOVE_SETTINGS: MoveSettings = {
  parallelFolders: 2,
  batchMessages: 250,
  batchBytes: 8 * 1024 * 1024,
  memoryBytes: 64 * 1024 * 1024,
  syncMaxPasses: 5,
  syncSmallDelta: 50,
  syncIntervalMs: 0,
  settleMs: 1_000,
  maxFrozenMs: 60_000,
  retentionMs: 7 * 24 * 3600 * 1000,
  maxAttempts: 3,
  retryDelayMs: 10_000,
  progressEveryMs: 1_000,
  imapTimeouts: { socketTimeoutMs: 120_000 },
};

const ENV: Record<Exclude<keyof MoveSettings, 'imapTimeouts'>, [string, number]> = {
  parallelFolders: ['ROOST_MOVE_PARALLEL_FOLDERS', 1],
  batchMessages: ['ROOST_MOVE_BATCH_MESSAGES', 1],
  batchBytes: ['ROOST_MOVE_BATCH_BYTES', 1024],
  memoryBytes: ['ROOST_MOVE_MEMORY_BYTES', 1024 * 1024],
  syncMaxPasses: ['ROOST_MOVE_SYNC_MAX_PASSES', 1],
  syncSmallDelta: ['ROOST_MOVE_SYNC_SMALL_DELTA', 0],
  syncIntervalMs: ['ROOST_MOVE_SYNC_INTERVAL_MS', 0],
  settleMs: ['ROOST_MOVE_SETTLE_MS', 0],
  maxFrozenMs: ['ROOST_MOVE_MAX_FROZEN_MS', 1000],
  retentionMs: ['ROOST_MOVE_RETENTION_MS', 0],
  maxAttempts: ['ROOST_MOVE_MAX_ATTEMPTS', 1],
  retryDelayMs: ['ROOST_MOVE_RETRY_DELAY_MS', 0],
  progressEveryMs: ['ROOST_MOVE_PROGRESS_MS', 100],
};

export class MoveSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid move settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MoveSettingsError';
  }
}

/** Reads `ROOST_MOVE_*`; every problem is reported at once. */
export function loadMoveSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<MoveSettings> = {},
): MoveSettings {
  const problems: string[] = [];
  const settings: MoveSettings = { ...DEFAULT_MOVE_SETTINGS };
  for (const [key, [name, min]] of Object.entries(ENV) as [keyof typeof ENV, [string, number]][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw.replaceAll('_', ''));
    if (!Number.isSafeInteger(value) || value < min) {
      problems.push(`${name} must be a whole number >= ${min}, got "${raw}"`);
      continue;
    }
    settings[key] = value;
  }
  if (problems.length > 0) throw new MoveSettingsError(problems);
  return { ...settings, ...overrides };
}
