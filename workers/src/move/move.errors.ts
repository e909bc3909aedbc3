import { ImapError } from '@roost/imap';
import { SieveError } from '@roost/imap';

/** Retrying cannot help (a message the target refuses, a verification that keeps failing): roll back. */
export class MovePermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MovePermanentError';
  }
}

/** An operator asked to cancel; the move rolls back and ends `cancelled`. */
export class MoveCancelledError extends Error {
  constructor() {
    super('cancelled by request');
    this.name = 'MoveCancelledError';
  }
}

/** The freeze lasted longer than the configured maximum: thaw, and try again later. */
export class FrozenTooLongError extends Error {
  constructor() {
    super('the mailbox was frozen longer than the configured maximum; thawed, will try again');
    this.name = 'FrozenTooLongError';
  }
}

/** The mailbox cannot be moved just now (a rename is under way): try again later. */
export class MailboxBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailboxBusyError';
  }
}

/** Thrown to BullMQ so that it runs the job again after its backoff; the move row says why. */
export class MoveRetryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoveRetryError';
  }
}

/**
 * Whether another attempt may succeed. A backend that does not answer (stopped, restarting,
 * network) or a database hiccup may; a server that answers NO to a message or a name does not.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof MovePermanentError || err instanceof MoveCancelledError) return false;
  if (err instanceof ImapError) return err.kind === 'connection';
  if (err instanceof SieveError) return err.status === undefined;
  return true;
}

export function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 1000 ? `${message.slice(0, 997)}...` : message;
}
