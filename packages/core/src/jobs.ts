/**
 * The job registry shared by the API (which enqueues) and the workers (which handle).
 * Payloads hold ids, never secrets; workers re-read state from the database.
 */
export enum QueueName {
  Mailbox = 'mailbox',
  Move = 'move',
  Rebalance = 'rebalance',
  QuotaSync = 'quota-sync',
  BackendHealth = 'backend-health',
  Relay = 'relay',
}

export enum JobName {
  MailboxCreate = 'mailbox-create',
  MailboxSetQuota = 'mailbox-set-quota',
  MailboxRename = 'mailbox-rename',
  MailboxSuspend = 'mailbox-suspend',
  MailboxActivate = 'mailbox-activate',
  MailboxDelete = 'mailbox-delete',
  /** Repeatable: enqueues the job of a mailbox left pending without one (a lost enqueue). */
  MailboxReconcile = 'mailbox-reconcile',
  MoveRun = 'move-run',
  MoveClean = 'move-clean',
  RebalanceRun = 'rebalance-run',
  QuotaSyncAll = 'quota-sync-all',
  QuotaSyncBackend = 'quota-sync-backend',
  BackendHealthCheck = 'backend-health-check',
  RelayReload = 'relay-reload',
}

export interface JobPayloads {
  [JobName.MailboxCreate]: { mailboxId: number };
  [JobName.MailboxSetQuota]: { mailboxId: number };
  [JobName.MailboxRename]: { mailboxId: number; fromAddress: string };
  [JobName.MailboxSuspend]: { mailboxId: number };
  [JobName.MailboxActivate]: { mailboxId: number };
  [JobName.MailboxDelete]: { mailboxId: number };
  [JobName.MailboxReconcile]: Record<string, never>;
  [JobName.MoveRun]: { moveId: number };
  [JobName.MoveClean]: { moveId: number };
  [JobName.RebalanceRun]: { planId: number };
  [JobName.QuotaSyncAll]: Record<string, never>;
  [JobName.QuotaSyncBackend]: { backendId: number };
  [JobName.BackendHealthCheck]: Record<string, never>;
  [JobName.RelayReload]: { reason: string; flush: boolean };
}

export const QUEUE_OF: { [J in JobName]: QueueName } = {
  [JobName.MailboxCreate]: QueueName.Mailbox,
  [JobName.MailboxSetQuota]: QueueName.Mailbox,
  [JobName.MailboxRename]: QueueName.Mailbox,
  [JobName.MailboxSuspend]: QueueName.Mailbox,
  [JobName.MailboxActivate]: QueueName.Mailbox,
  [JobName.MailboxDelete]: QueueName.Mailbox,
  [JobName.MailboxReconcile]: QueueName.Mailbox,
  [JobName.MoveRun]: QueueName.Move,
  [JobName.MoveClean]: QueueName.Move,
  [JobName.RebalanceRun]: QueueName.Rebalance,
  [JobName.QuotaSyncAll]: QueueName.QuotaSync,
  [JobName.QuotaSyncBackend]: QueueName.QuotaSync,
  [JobName.BackendHealthCheck]: QueueName.BackendHealth,
  [JobName.RelayReload]: QueueName.Relay,
};

/**
 * Deterministic job ids so a duplicate request is a no-op (BullMQ: no ':' and never all digits).
 * `version` distinguishes successive intents on the same object (e.g. the mailbox's
 * updated_at), so a new quota change is not swallowed by an old completed job.
 */
export function jobIdFor<J extends JobName>(
  name: J,
  payload: JobPayloads[J],
  version?: string | number,
): string {
  const parts: string[] = [name];
  for (const key of Object.keys(payload).sort()) {
    parts.push(String((payload as Record<string, unknown>)[key]));
  }
  if (version !== undefined) parts.push(String(version));
  return parts.join('-').replace(/[^A-Za-z0-9_.-]/g, '_');
}
