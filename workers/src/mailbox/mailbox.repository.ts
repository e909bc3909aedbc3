import { JobName, MailboxState, MoveState, TERMINAL_MOVE_STATES } from '@roost/core';
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

/** The latest move of a mailbox that is not over (before its flip, flipped, or retained). */
export interface OpenMove {
  id: number;
  state: MoveState;
  sourceBackendId: number;
  retainUntil: Date | null;
}

export type PendingJob =
  | JobName.MailboxCreate
  | JobName.MailboxDelete
  | JobName.MailboxRename
  | JobName.MailboxSetQuota
  | JobName.MailboxSuspend
  | JobName.MailboxActivate;

/** A mailbox whose row asks for something no job has applied (see the reconciler). */
export interface PendingMailbox {
  mailboxId: number;
  job: PendingJob;
  /** updated_at in µs, the API's job version for the same change. */
  version: string;
  /** The name on the backend, for a due rename. */
  cyrusAddress: string | null;
  deleteAfter: Date | null;
}

/** All SQL of the mailbox queue. State changes are conditional, so a stale job changes nothing. */
export class MailboxJobRepository {
  constructor(private readonly db: DataSource) {}

  findBackend(backendId: number): Promise<Backend> {
    return this.db.getRepository(Backend).findOneByOrFail({ id: backendId });
  }

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

  /** Records what a job applied on the backend (see migration 1763800000007); null leaves it. */
  async recordApplied(
    mailboxId: number,
    applied: { cyrusAddress?: string; quotaBytes?: number; backendDenied?: boolean },
  ): Promise<void> {
    await this.db.query(
      `UPDATE mailboxes
          SET cyrus_address = coalesce($2, cyrus_address),
              quota_applied_bytes = coalesce($3, quota_applied_bytes),
              backend_denied = coalesce($4, backend_denied)
        WHERE id = $1`,
      [
        mailboxId,
        applied.cyrusAddress ?? null,
        applied.quotaBytes ?? null,
        applied.backendDenied ?? null,
      ],
    );
  }

  /** The mailbox's latest move that is not over, if any. */
  async openMove(mailboxId: number): Promise<OpenMove | null> {
    const rows: {
      id: string;
      state: MoveState;
      source_backend_id: number;
      retain_until: Date | null;
    }[] = await this.db.query(
      `SELECT id, state, source_backend_id, retain_until FROM moves
        WHERE mailbox_id = $1 AND state <> ALL($2::text[])
        ORDER BY id DESC LIMIT 1`,
      [mailboxId, TERMINAL_MOVE_STATES],
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    return {
      id: Number(r.id),
      state: r.state,
      sourceBackendId: r.source_backend_id,
      retainUntil: r.retain_until,
    };
  }

  /** Asks a move that has not flipped to stop (it rolls back: the mailbox stays on its source). */
  async requestMoveCancel(moveId: number): Promise<void> {
    await this.db.query(
      `UPDATE moves SET cancel_requested = true, updated_at = now()
        WHERE id = $1 AND flipped_at IS NULL AND NOT cancel_requested`,
      [moveId],
    );
  }

  /**
   * Mailboxes left in a pending state for longer than `graceMs`, with the job that finishes it
   * (one per mailbox; the next pending change of the same mailbox comes at a later tick).
   * The WHERE clause is the predicate of mailboxes_pending_idx, so only pending rows are read.
   */
  async pendingMailboxes(graceMs: number, limit: number): Promise<PendingMailbox[]> {
    const rows: {
      id: string;
      job: PendingJob;
      version: string;
      cyrus_address: string | null;
      delete_after: Date | null;
    }[] = await this.db.query(
      `SELECT id, cyrus_address, delete_after,
              (extract(epoch FROM updated_at) * 1000000)::bigint::text AS version,
              CASE
                WHEN state = 'provisioning' THEN $3
                WHEN state = 'deleting' THEN $4
                WHEN cyrus_address <> address THEN $5
                WHEN quota_applied_bytes <> quota_bytes THEN $6
                WHEN state = 'suspended' THEN $7
                ELSE $8
              END AS job
         FROM mailboxes
        WHERE (state IN ('provisioning', 'deleting')
               OR (state IN ('active', 'suspended')
                   AND (cyrus_address <> address
                        OR quota_applied_bytes <> quota_bytes
                        OR backend_denied <> (state = 'suspended'))))
          AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY updated_at LIMIT $2`,
      [
        graceMs,
        limit,
        JobName.MailboxCreate,
        JobName.MailboxDelete,
        JobName.MailboxRename,
        JobName.MailboxSetQuota,
        JobName.MailboxSuspend,
        JobName.MailboxActivate,
      ],
    );
    return rows.map((r) => ({
      mailboxId: Number(r.id),
      job: r.job,
      version: r.version,
      cyrusAddress: r.cyrus_address,
      deleteAfter: r.delete_after,
    }));
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
