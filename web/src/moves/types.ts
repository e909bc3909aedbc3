import { MoveState, OPEN_MOVE_STATES, TERMINAL_MOVE_STATES } from '@roost/core';

/** GET /api/moves rows (api/src/moves/move.repository.ts `MoveRow`). */
export interface MoveRecord {
  id: number;
  mailboxId: number;
  address: string;
  sourceBackendId: number;
  sourceBackend: string;
  targetBackendId: number;
  targetBackend: string;
  /** Share of the bytes copied, 0-100. */
  percent: number;
  state: MoveState;
  engine: string;
  foldersTotal: number;
  foldersDone: number;
  messagesTotal: number;
  messagesDone: number;
  bytesTotal: number;
  bytesDone: number;
  rateMessagesPerS: number | null;
  etaS: number | null;
  progressAt: string | null;
  frozenAt: string | null;
  flippedAt: string | null;
  retainUntil: string | null;
  /** Only on GET /:id. */
  verification?: unknown;
  folders?: MoveFolder[];
  rebalancePlanId: number | null;
  cancelRequested: boolean;
  attempts: number;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
}

export interface MoveFolder {
  name: string;
  messagesTotal: number;
  messagesDone: number;
  bytesTotal: number;
  bytesDone: number;
  done: boolean;
}

export const MOVE_STEPS: readonly MoveState[] = [
  ...OPEN_MOVE_STATES,
  MoveState.Retained,
  MoveState.Cleaned,
];

export const isTerminal = (s: MoveState) => TERMINAL_MOVE_STATES.includes(s);
/** The user is on the target from the flip on; a move is "done" for the person watching it then. */
export const isFlipped = (s: MoveState) =>
  s === MoveState.Flipped || s === MoveState.Retained || s === MoveState.Cleaned;
export const isFailed = (s: MoveState) =>
  s === MoveState.Failed || s === MoveState.Cancelled || s === MoveState.RolledBack;
/** Before the flip a move can still be cancelled (it rolls back). */
export const canCancel = (m: MoveRecord) =>
  !isTerminal(m.state) && !isFlipped(m.state) && !m.cancelRequested;
export const canRetry = (m: MoveRecord) => isFailed(m.state);

export const MOVE_STATE_CHOICES = Object.values(MoveState).map((s) => ({ id: s, name: s }));
