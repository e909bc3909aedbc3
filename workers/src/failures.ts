import { ImapError, ImapErrorKind, SecretRefError } from '@roost/imap';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';

/**
 * The one place that decides what a failed job means. Permanent: retrying cannot help (an
 * invalid name, a refused quota, a missing mailbox, a bad secret reference); the job ends at
 * once. Transient: the backend or a dependency did not answer; BullMQ retries with backoff.
 * When a job will not run again (permanent, or its last attempt), its handler's `onGiveUp`
 * records the reason where people look (the mailbox's state_reason).
 */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

/** IMAP failures that a retry will not fix. Connection and login failures are worth retrying. */
const PERMANENT_IMAP_KINDS: ReadonlySet<ImapErrorKind> = new Set<ImapErrorKind>([
  'not-found',
  'already-exists',
  'permission',
  'over-quota',
  'invalid-name',
  'quota-refused',
  'command',
]);

export function isPermanentFailure(err: unknown): boolean {
  if (err instanceof UnrecoverableError || err instanceof PermanentError) return true;
  if (err instanceof SecretRefError) return true;
  if (err instanceof ImapError) return PERMANENT_IMAP_KINDS.has(err.kind);
  return false; // database hiccups, unknown errors: retry
}

/** A short reason for people (mailbox state_reason, failed job). */
export function failureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 500 ? `${message.slice(0, 497)}...` : message;
}

export interface GiveUpHook<D> {
  onGiveUp?(data: D, reason: string): Promise<void>;
}

/**
 * Runs `work` for `job`; on failure decides retry vs give-up. Throws UnrecoverableError for
 * permanent failures (BullMQ then skips the remaining attempts) and rethrows transient ones.
 */
export async function runWithFailurePolicy<D, R>(
  job: Pick<Job<D>, 'data' | 'attemptsMade' | 'opts'>,
  work: () => Promise<R>,
  hook: GiveUpHook<D>,
  onHookError: (err: unknown) => void = () => undefined,
): Promise<R> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DelayedError) throw err; // the job rescheduled itself
    const permanent = isPermanentFailure(err);
    // attemptsMade counts the attempts that already failed, not this one
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const reason = failureReason(err);
    if ((permanent || lastAttempt) && hook.onGiveUp) {
      await hook.onGiveUp(job.data, reason).catch(onHookError);
    }
    if (permanent && !(err instanceof UnrecoverableError)) {
      throw new UnrecoverableError(reason);
    }
    throw err;
  }
}
