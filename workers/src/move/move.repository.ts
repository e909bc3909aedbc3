import { MailboxState, MoveState } from '@roost/core';
import { Backend, Mailbox, Move, MoveFolder } from '@roost/db';
import { DataSource, EntityManager } from 'typeorm';

export interface MoveSubject {
  move: Move;
  mailbox: Mailbox;
  source: Backend;
  target: Backend;
}

export interface ProgressCounters {
  foldersTotal: number;
  foldersDone: number;
  messagesTotal: number;
  messagesDone: number;
  bytesTotal: number;
  bytesDone: number;
  rateMessagesPerS: number | null;
  etaS: number | null;
}

export interface FolderCheckpoint {
  name: string;
  sourceUidvalidity: number | null;
  lastCopiedUid: number;
  highestModseq: string | null;
  messagesTotal: number;
  messagesDone: number;
  bytesTotal: number;
  bytesDone: number;
  done: boolean;
}

/** The move's mailbox lock is the mailbox queue's (workers/src/mailbox): state changes never interleave. */
const MAILBOX_LOCK = `SELECT pg_advisory_xact_lock(hashtext('roost.mailbox-job'), $1::int)`;

/**
 * All SQL of the move queue. Every state change is conditional on the state it leaves, so a
 * stale or duplicate worker changes nothing; the routing changes (freeze, flip, thaw) are single
 * transactions together with the move's own state.
 */
export class MoveRepository {
  constructor(private readonly db: DataSource) {}

  async load(moveId: number): Promise<MoveSubject | null> {
    const move = await this.db.getRepository(Move).findOneBy({ id: moveId });
    if (!move) return null;
    const mailbox = await this.db.getRepository(Mailbox).findOneByOrFail({ id: move.mailboxId });
    const backends = this.db.getRepository(Backend);
    const source = await backends.findOneByOrFail({ id: move.sourceBackendId });
    const target = await backends.findOneByOrFail({ id: move.targetBackendId });
    return { move, mailbox, source, target };
  }

  async reloadMove(moveId: number): Promise<Move> {
    return this.db.getRepository(Move).findOneByOrFail({ id: moveId });
  }

  async reloadMailbox(mailboxId: number): Promise<Mailbox> {
    return this.db.getRepository(Mailbox).findOneByOrFail({ id: mailboxId });
  }

  /**
   * A session-level advisory lock for the whole run of one move, held on its own connection, so
   * that two jobs of the same move never run at once. Null when another worker holds it.
   */
  async tryLockMove(moveId: number): Promise<(() => Promise<void>) | null> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const rows: { locked: boolean }[] = await runner.query(
        `SELECT pg_try_advisory_lock(hashtext('roost.move'), $1::int) AS locked`,
        [moveId % 2_147_483_647],
      );
      if (!rows[0]?.locked) {
        await runner.release();
        return null;
      }
    } catch (err) {
      await runner.release();
      throw err;
    }
    return async () => {
      try {
        await runner.query(`SELECT pg_advisory_unlock(hashtext('roost.move'), $1::int)`, [
          moveId % 2_147_483_647,
        ]);
      } finally {
        await runner.release();
      }
    };
  }

  /** Conditional state change; false when the move was not in one of `from`. */
  async transition(
    moveId: number,
    from: MoveState[],
    to: MoveState,
    extra: Partial<Record<'error' | 'finished', string | boolean | null>> = {},
    em: EntityManager = this.db.manager,
  ): Promise<boolean> {
    const rows: unknown[] = await updated(
      em,
      `UPDATE moves SET state = $2, updated_at = now(),
              error = CASE WHEN $4::boolean THEN $5 ELSE error END,
              finished_at = CASE WHEN $6::boolean THEN now() ELSE finished_at END
        WHERE id = $1 AND state = ANY($3::text[]) RETURNING id`,
      [moveId, to, from, 'error' in extra, extra.error ?? null, extra.finished === true],
    );
    return rows.length > 0;
  }

  /**
   * queued -> preparing, and the mailbox active -> moving (still routed to the source; logins
   * and deliveries carry on there). False when the mailbox is not active on the source, or
   * when its address is no longer `address` (the name this run copies) or a rename is still due
   * on the backend (`cyrus_address`, see the mailbox queue): the copy would miss the user's mail.
   */
  async begin(subject: MoveSubject, address: string): Promise<boolean> {
    const { move } = subject;
    return this.db.transaction(async (em) => {
      await em.query(MAILBOX_LOCK, [move.mailboxId % 2_147_483_647]);
      const mailbox: unknown[] = await updated(
        em,
        `UPDATE mailboxes SET state = $3, updated_at = now()
          WHERE id = $1 AND backend_id = $2 AND active AND state = ANY($4::text[])
            AND address = $5 AND (cyrus_address IS NULL OR cyrus_address = address) RETURNING id`,
        [
          move.mailboxId,
          move.sourceBackendId,
          MailboxState.Moving,
          [MailboxState.Active, MailboxState.Moving],
          address,
        ],
      );
      if (mailbox.length === 0) return false;
      const moved: unknown[] = await updated(
        em,
        `UPDATE moves SET state = $2, started_at = coalesce(started_at, now()), updated_at = now()
          WHERE id = $1 AND state = ANY($3::text[]) RETURNING id`,
        [move.id, MoveState.Preparing, [MoveState.Queued, MoveState.Preparing]],
      );
      if (moved.length === 0) throw new Error(`move ${move.id} left the queued state meanwhile`);
      return true;
    });
  }

  /** Why `begin` refused a mailbox that is otherwise movable: a rename, null for anything else. */
  async renameInTheWay(mailboxId: number, address: string): Promise<string | null> {
    const rows: { address: string; cyrus_address: string | null }[] = await this.db.query(
      `SELECT address, cyrus_address FROM mailboxes WHERE id = $1`,
      [mailboxId],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.address !== address) return `the mailbox was renamed to ${row.address}`;
    if (row.cyrus_address !== null && row.cyrus_address !== row.address) {
      return `the rename of ${row.cyrus_address} to ${row.address} is not applied on the backend yet`;
    }
    return null;
  }

  /** syncing -> frozen: Postfix now defers this mailbox's mail and the proxy holds its logins. */
  async freeze(moveId: number, mailboxId: number, sourceBackendId: number): Promise<boolean> {
    return this.db.transaction(async (em) => {
      await em.query(MAILBOX_LOCK, [mailboxId % 2_147_483_647]);
      const moved: unknown[] = await updated(
        em,
        `UPDATE moves SET state = $2, frozen_at = now(), updated_at = now()
          WHERE id = $1 AND state = $3 AND NOT cancel_requested RETURNING id`,
        [moveId, MoveState.Frozen, MoveState.Syncing],
      );
      if (moved.length === 0) return false;
      const rows: unknown[] = await updated(
        em,
        `UPDATE mailboxes SET state = $3, updated_at = now()
          WHERE id = $1 AND backend_id = $2 AND state = $4 RETURNING id`,
        [mailboxId, sourceBackendId, MailboxState.Frozen, MailboxState.Moving],
      );
      if (rows.length === 0)
        throw new Error(`mailbox ${mailboxId} is no longer moving on its source`);
      return true;
    });
  }

  /** Ends a freeze without a flip: the mailbox is live on the source again, the move back to syncing. */
  async thaw(
    moveId: number,
    mailboxId: number,
    sourceBackendId: number,
    error: string | null,
  ): Promise<void> {
    await this.db.transaction(async (em) => {
      await em.query(MAILBOX_LOCK, [mailboxId % 2_147_483_647]);
      await em.query(
        `UPDATE mailboxes SET state = $3, updated_at = now()
          WHERE id = $1 AND backend_id = $2 AND state = $4`,
        [mailboxId, sourceBackendId, MailboxState.Moving, MailboxState.Frozen],
      );
      await em.query(
        `UPDATE moves SET state = $2, frozen_at = NULL, error = coalesce($4, error), updated_at = now()
          WHERE id = $1 AND state = ANY($3::text[])`,
        [
          moveId,
          MoveState.Syncing,
          [MoveState.Frozen, MoveState.FinalSync, MoveState.Verifying],
          error,
        ],
      );
    });
  }

  /**
   * The flip, in one transaction: the routing entry points at the target and the mailbox is
   * active again, and the move is `flipped`. Refused (false) when anything changed underneath:
   * a cancel, the freeze no longer in force, or held longer than `maxFrozenMs`.
   */
  async flip(subject: MoveSubject, maxFrozenMs: number): Promise<boolean> {
    const { move } = subject;
    return this.db
      .transaction(async (em) => {
        await em.query(MAILBOX_LOCK, [move.mailboxId % 2_147_483_647]);
        const moved: unknown[] = await updated(
          em,
          `UPDATE moves SET state = $2, flipped_at = now(), error = NULL, updated_at = now()
          WHERE id = $1 AND state = $3 AND NOT cancel_requested
            AND frozen_at > now() - make_interval(secs => $4::double precision / 1000)
        RETURNING id`,
          [move.id, MoveState.Flipped, MoveState.Verifying, maxFrozenMs],
        );
        if (moved.length === 0) return false;
        const mailbox: unknown[] = await updated(
          em,
          `UPDATE mailboxes SET backend_id = $3, state = $4, updated_at = now()
          WHERE id = $1 AND backend_id = $2 AND state = $5 RETURNING id`,
          [
            move.mailboxId,
            move.sourceBackendId,
            move.targetBackendId,
            MailboxState.Active,
            MailboxState.Frozen,
          ],
        );
        if (mailbox.length === 0)
          throw new FlipRefused(`mailbox ${move.mailboxId} is not frozen on the source`);
        return true;
      })
      .catch((err: unknown) => {
        if (err instanceof FlipRefused) return false;
        throw err;
      });
  }

  /** Rollback: the mailbox is active on the source again, if the move had changed it. */
  async restoreMailbox(mailboxId: number, sourceBackendId: number): Promise<boolean> {
    return this.db.transaction(async (em) => {
      await em.query(MAILBOX_LOCK, [mailboxId % 2_147_483_647]);
      const rows: unknown[] = await updated(
        em,
        `UPDATE mailboxes SET state = $3, updated_at = now()
          WHERE id = $1 AND backend_id = $2 AND state = ANY($4::text[]) RETURNING id`,
        [
          mailboxId,
          sourceBackendId,
          MailboxState.Active,
          [MailboxState.Moving, MailboxState.Frozen],
        ],
      );
      return rows.length > 0;
    });
  }

  async clearFrozenAt(moveId: number): Promise<void> {
    await this.db.query(`UPDATE moves SET frozen_at = NULL WHERE id = $1`, [moveId]);
  }

  /** Writes progress and answers whether a cancel was asked for (one round trip). */
  async writeProgress(moveId: number, p: ProgressCounters): Promise<boolean> {
    const rows: { cancel_requested: boolean }[] = await updated(
      this.db,
      `UPDATE moves SET folders_total = $2, folders_done = $3, messages_total = $4, messages_done = $5,
              bytes_total = $6, bytes_done = $7, rate_messages_per_s = $8, eta_s = $9, progress_at = now()
        WHERE id = $1 RETURNING cancel_requested`,
      [
        moveId,
        p.foldersTotal,
        p.foldersDone,
        p.messagesTotal,
        p.messagesDone,
        p.bytesTotal,
        p.bytesDone,
        p.rateMessagesPerS,
        p.etaS,
      ],
    );
    return rows[0]?.cancel_requested === true;
  }

  async cancelRequested(moveId: number): Promise<boolean> {
    const rows: { cancel_requested: boolean }[] = await this.db.query(
      `SELECT cancel_requested FROM moves WHERE id = $1`,
      [moveId],
    );
    return rows[0]?.cancel_requested === true;
  }

  /** Counts a failed attempt; returns the number of failed attempts so far. */
  async failAttempt(moveId: number, error: string): Promise<number> {
    const rows: { attempts: number }[] = await updated(
      this.db,
      `UPDATE moves SET attempts = attempts + 1, error = $2, updated_at = now() WHERE id = $1 RETURNING attempts`,
      [moveId, error],
    );
    return rows[0]?.attempts ?? 0;
  }

  async setError(moveId: number, error: string | null): Promise<void> {
    await this.db.query(`UPDATE moves SET error = $2, updated_at = now() WHERE id = $1`, [
      moveId,
      error,
    ]);
  }

  async saveVerification(moveId: number, report: unknown): Promise<void> {
    await this.db.query(
      `UPDATE moves SET verification = $2::jsonb, updated_at = now() WHERE id = $1`,
      [moveId, JSON.stringify(report)],
    );
  }

  async retain(moveId: number, retainUntil: Date): Promise<boolean> {
    const rows: unknown[] = await updated(
      this.db,
      `UPDATE moves SET state = $2, retain_until = $3, updated_at = now()
        WHERE id = $1 AND state = $4 RETURNING id`,
      [moveId, MoveState.Retained, retainUntil, MoveState.Flipped],
    );
    return rows.length > 0;
  }

  /** Another move of the same mailbox that is not finished (it owns the mailbox now). */
  async hasOtherOpenMove(moveId: number, mailboxId: number): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM moves WHERE mailbox_id = $1 AND id <> $2
          AND state NOT IN ('retained','cleaned','failed','cancelled','rolled-back') LIMIT 1`,
      [mailboxId, moveId],
    );
    return rows.length > 0;
  }

  /** An earlier move of this mailbox to this backend that ended before its flip (its leftovers are ours). */
  async hadUnflippedMoveTo(
    moveId: number,
    mailboxId: number,
    targetBackendId: number,
  ): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM moves WHERE mailbox_id = $1 AND id <> $2 AND target_backend_id = $3
          AND flipped_at IS NULL AND state IN ('cancelled','rolled-back') LIMIT 1`,
      [mailboxId, moveId, targetBackendId],
    );
    return rows.length > 0;
  }

  /**
   * An earlier move of this mailbox away from `backendId` whose copy there is still retained:
   * moving the mailbox back replaces that copy. Marks that move cleaned; false when there is none.
   */
  async supersedeRetainedCopy(
    moveId: number,
    mailboxId: number,
    backendId: number,
  ): Promise<boolean> {
    const rows = await updated(
      this.db,
      `UPDATE moves SET state = 'cleaned', finished_at = now(), updated_at = now(),
              error = 'the retained copy was replaced by move ' || $2::text
        WHERE mailbox_id = $1 AND id <> $2 AND source_backend_id = $3 AND state = 'retained'
          AND flipped_at IS NOT NULL
        RETURNING id`,
      [mailboxId, moveId, backendId],
    );
    return rows.length > 0;
  }

  // ---- per-folder checkpoints ------------------------------------------------------------------

  async folders(moveId: number): Promise<FolderCheckpoint[]> {
    const rows = await this.db.getRepository(MoveFolder).find({ where: { moveId } });
    return rows.map((r) => ({
      name: r.name,
      sourceUidvalidity: r.sourceUidvalidity,
      lastCopiedUid: r.lastCopiedUid,
      highestModseq: r.highestModseq,
      messagesTotal: r.messagesTotal,
      messagesDone: r.messagesDone,
      bytesTotal: r.bytesTotal,
      bytesDone: r.bytesDone,
      done: r.done,
    }));
  }

  async saveFolder(moveId: number, f: FolderCheckpoint): Promise<void> {
    await this.db.query(
      `INSERT INTO move_folders (move_id, name, source_uidvalidity, last_copied_uid, highest_modseq,
                                 messages_total, messages_done, bytes_total, bytes_done, done)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (move_id, name) DO UPDATE SET
         source_uidvalidity = EXCLUDED.source_uidvalidity, last_copied_uid = EXCLUDED.last_copied_uid,
         highest_modseq = EXCLUDED.highest_modseq, messages_total = EXCLUDED.messages_total,
         messages_done = EXCLUDED.messages_done, bytes_total = EXCLUDED.bytes_total,
         bytes_done = EXCLUDED.bytes_done, done = EXCLUDED.done`,
      [
        moveId,
        f.name,
        f.sourceUidvalidity,
        f.lastCopiedUid,
        f.highestModseq,
        f.messagesTotal,
        f.messagesDone,
        f.bytesTotal,
        f.bytesDone,
        f.done,
      ],
    );
  }

  /** After a batch is stored: never moves the checkpoint backwards. */
  async checkpoint(
    moveId: number,
    name: string,
    lastCopiedUid: number,
    messages: number,
    bytes: number,
  ): Promise<void> {
    await this.db.query(
      `UPDATE move_folders SET last_copied_uid = greatest(last_copied_uid, $3),
              messages_done = messages_done + $4, bytes_done = bytes_done + $5
        WHERE move_id = $1 AND name = $2`,
      [moveId, name, lastCopiedUid, messages, bytes],
    );
  }

  async deleteFolder(moveId: number, name: string): Promise<void> {
    await this.db.query(`DELETE FROM move_folders WHERE move_id = $1 AND name = $2`, [
      moveId,
      name,
    ]);
  }

  async recordControlCall(call: {
    relayId?: number | null;
    backendId?: number | null;
    action: string;
    reason: string;
    exitCode: number | null;
    output: string;
    durationMs: number;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO relay_calls (relay_id, backend_id, action, reason, exit_code, output, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        call.relayId ?? null,
        call.backendId ?? null,
        call.action,
        call.reason,
        call.exitCode,
        call.output,
        call.durationMs,
      ],
    );
  }
}

class FlipRefused extends Error {}

/**
 * The rows of an `UPDATE ... RETURNING`. TypeORM's query() answers `[rows, count]` for an
 * UPDATE (a plain array for anything else), so the statement runs inside a CTE, as a SELECT.
 */
async function updated<T = Record<string, unknown>>(
  db: EntityManager | DataSource,
  text: string,
  params: unknown[],
): Promise<T[]> {
  return db.query<T[]>(`WITH changed AS (${text}) SELECT * FROM changed`, params);
}
