import { MailboxState } from '@roost/core';
import { Backend, Mailbox } from '@roost/db';
import { DataSource } from 'typeorm';

export interface MailboxTarget {
  mailbox: Mailbox;
  backend: Backend;
}

export interface ControlCallRecord {
  backendId: number;
  action: string;
  reason: string;
  exitCode: number | null;
  output: string;
  durationMs: number;
}

/** All SQL of the mailbox queue. State changes are conditional, so a stale job changes nothing. */
export class MailboxJobRepository {
  constructor(private readonly db: DataSource) {}

  async findWithBackend(mailboxId: number): Promise<MailboxTarget | null> {
    const mailbox = await this.db.getRepository(Mailbox).findOneBy({ id: mailboxId });
    if (!mailbox) return null;
    const backend = await this.db.getRepository(Backend).findOneByOrFail({ id: mailbox.backendId });
    return { mailbox, backend };
  }

  /** Moves the mailbox from one of `from` to `to` and clears the reason; false if it was elsewhere. */
  async transition(mailboxId: number, from: MailboxState[], to: MailboxState): Promise<boolean> {
    // In a CTE: TypeORM answers [rows, count] for a bare UPDATE ... RETURNING, whose length is
    // always 2, so the transition would look applied even when no row matched.
    const rows: unknown[] = await this.db.query(
      `WITH changed AS (
         UPDATE mailboxes SET state = $2, state_reason = NULL, updated_at = now()
          WHERE id = $1 AND state = ANY($3::text[]) RETURNING id)
       SELECT id FROM changed`,
      [mailboxId, to, from],
    );
    return rows.length > 0;
  }

  /**
   * Records why a job gave up. A mailbox being created or in use becomes `error`; a suspended or
   * deleting one keeps its state, so it still refuses mail and logins; a move owns moving/frozen.
   */
  async markFailed(mailboxId: number, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE mailboxes
          SET state = CASE WHEN state IN ('provisioning', 'active') THEN 'error' ELSE state END,
              state_reason = $2, updated_at = now()
        WHERE id = $1`,
      [mailboxId, reason],
    );
  }

  /** Removes the row of a deleted mailbox (moves and password resets cascade). */
  async deleteDeleted(mailboxId: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH gone AS (DELETE FROM mailboxes WHERE id = $1 AND state = 'deleting' RETURNING id)
       SELECT id FROM gone`,
      [mailboxId],
    );
    return rows.length > 0;
  }

  async recordControlCall(call: ControlCallRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO relay_calls (backend_id, action, reason, exit_code, output, duration_ms, at)
       VALUES ($1, $2, $3, $4, $5, $6, now())`,
      [call.backendId, call.action, call.reason, call.exitCode, call.output, call.durationMs],
    );
  }

  /**
   * Runs `fn` while holding a PostgreSQL advisory lock on the mailbox, so two jobs for the same
   * mailbox (say a rename and a quota change) never interleave, whichever workers run them.
   * The lock lives on its own pooled connection and ends with it if the worker dies.
   */
  async withMailboxLock<T>(mailboxId: number, fn: () => Promise<T>): Promise<T> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    const key = [mailboxId % 2_147_483_647];
    try {
      await runner.query(`SELECT pg_advisory_lock(hashtext('roost.mailbox-job'), $1::int)`, key);
      try {
        return await fn();
      } finally {
        await runner.query(
          `SELECT pg_advisory_unlock(hashtext('roost.mailbox-job'), $1::int)`,
          key,
        );
      }
    } finally {
      await runner.release();
    }
  }
}
