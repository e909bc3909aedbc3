/** Admin roles (DESIGN §6). */
export enum Role {
  Superadmin = 'superadmin',
  Ops = 'ops',
  DomainAdmin = 'domain-admin',
  Support = 'support',
}

export enum BackendState {
  Active = 'active',
  Draining = 'draining',
  Readonly = 'readonly',
  Down = 'down',
}

/** Result of the last health checks of a backend, separate from the state ops set by hand. */
export enum BackendHealth {
  Unknown = 'unknown',
  Up = 'up',
  Down = 'down',
}

export enum MailboxState {
  Provisioning = 'provisioning',
  Active = 'active',
  Moving = 'moving',
  Frozen = 'frozen',
  Suspended = 'suspended',
  Deleting = 'deleting',
  Error = 'error',
}

export enum MoveState {
  Queued = 'queued',
  Preparing = 'preparing',
  Copying = 'copying',
  Syncing = 'syncing',
  Frozen = 'frozen',
  FinalSync = 'final-sync',
  Verifying = 'verifying',
  Flipped = 'flipped',
  Retained = 'retained',
  Cleaned = 'cleaned',
  Failed = 'failed',
  Cancelled = 'cancelled',
  RolledBack = 'rolled-back',
}

export enum MoveEngine {
  Imap = 'imap',
  Xfer = 'xfer',
}

export enum PlanState {
  Draft = 'draft',
  Approved = 'approved',
  Running = 'running',
  Paused = 'paused',
  Completed = 'completed',
  Cancelled = 'cancelled',
  Failed = 'failed',
}

export enum TlsMode {
  None = 'none',
  StartTls = 'starttls',
  Tls = 'tls',
}

/** Move states a move never leaves. */
export const TERMINAL_MOVE_STATES: readonly MoveState[] = [
  MoveState.Cleaned,
  MoveState.Failed,
  MoveState.Cancelled,
  MoveState.RolledBack,
];

/** Move states before the routing flip: a failure or a cancel here rolls the move back. */
export const PRE_FLIP_MOVE_STATES: readonly MoveState[] = [
  MoveState.Queued,
  MoveState.Preparing,
  MoveState.Copying,
  MoveState.Syncing,
  MoveState.Frozen,
  MoveState.FinalSync,
  MoveState.Verifying,
];

/** Move states a move is under way in (the unique index moves_one_open_per_mailbox uses the same). */
export const OPEN_MOVE_STATES: readonly MoveState[] = [...PRE_FLIP_MOVE_STATES, MoveState.Flipped];

/** Backend states that accept new mailboxes. */
export const PLACEABLE_BACKEND_STATES: readonly BackendState[] = [BackendState.Active];
