import { Injectable } from '@nestjs/common';
import {
  BackendState,
  JobName,
  MailboxState,
  MoveEngine,
  MoveState,
  OPEN_MOVE_STATES,
} from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, callerOf } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { conflict, notFound, unprocessable } from '../common/api-error';
import { ListQuery, Page } from '../common/list-query';
import { isUniqueViolation } from '../common/sql';
import { JobsService } from '../jobs/jobs.service';
import { CreateMoveDto } from './move.dto';
import { MOVE_FILTERS, MOVE_SORT, MoveDetail, MoveRepository, MoveRow } from './move.repository';

export type MoveResponse = MoveRow & { jobId?: string | null };

const RETRYABLE: readonly MoveState[] = [
  MoveState.Failed,
  MoveState.RolledBack,
  MoveState.Cancelled,
];

/**
 * Moves as operators see them. The API only records intent (a `moves` row, a cancel request)
 * and enqueues the MoveRun job; the move itself, its rollback included, is the worker's.
 */
@Injectable()
export class MoveService {
  constructor(
    private readonly ds: DataSource,
    private readonly moves: MoveRepository,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
  ) {}

  list(q: ListQuery<(typeof MOVE_SORT)[number], typeof MOVE_FILTERS>): Promise<Page<MoveRow>> {
    return this.moves.list(q);
  }

  async get(id: number): Promise<MoveDetail> {
    const move = await this.moves.detail(id);
    if (!move) throw notFound('move');
    return move;
  }

  async create(actor: Actor, dto: CreateMoveDto): Promise<MoveResponse> {
    const created = await this.insertChecked(
      actor,
      dto.mailboxId,
      dto.targetBackendId,
      dto.engine ?? MoveEngine.Imap,
      {
        action: 'move.create',
        reason: dto.reason,
      },
    );
    return {
      ...created,
      jobId: await this.jobs.enqueueAfterCommit(JobName.MoveRun, { moveId: created.id }),
    };
  }

  /** A cancel before the flip rolls the move back; after the flip there is nothing to cancel. */
  async cancel(actor: Actor, id: number, reason?: string): Promise<MoveResponse> {
    const move = await this.ds.transaction(async (em) => {
      const before = await this.moves.findById(id, em, true);
      if (!before) throw notFound('move');
      if (!(await this.moves.requestCancel(em, id))) {
        throw conflict(
          'state',
          `is ${before.state}: only a move that has not flipped can be cancelled`,
        );
      }
      const after = (await this.moves.findById(id, em))!;
      await this.audit.record(em, callerOf(actor), {
        action: 'move.cancel',
        targetType: 'move',
        targetId: id,
        before: { state: before.state },
        after: { cancelRequested: true },
        reason: reason ?? null,
      });
      return after;
    });
    // a job that is not running (waiting, or lost with a dead worker) still has to roll it back
    const jobId = await this.jobs.enqueueAfterCommit(
      JobName.MoveRun,
      { moveId: id },
      `cancel-${Date.now()}`,
    );
    return { ...move, jobId };
  }

  /**
   * A move that ended without a flip is tried again as a new move (same mailbox and target).
   * A move still under way (its job lost or given up, e.g. a sweep after the flip that kept
   * failing) is resumed where it stands: its job is queued again.
   */
  async retry(actor: Actor, id: number, reason?: string): Promise<MoveResponse> {
    const old = await this.moves.findById(id);
    if (!old) throw notFound('move');
    if (OPEN_MOVE_STATES.includes(old.state)) {
      await this.audit.record(null, callerOf(actor), {
        action: 'move.resume',
        targetType: 'move',
        targetId: id,
        before: { state: old.state, attempts: old.attempts, error: old.error },
        reason: reason ?? null,
      });
      const jobId = await this.jobs.enqueueAfterCommit(
        JobName.MoveRun,
        { moveId: id },
        `resume-${Date.now()}`,
      );
      return { ...old, jobId };
    }
    if (!RETRYABLE.includes(old.state) || old.flippedAt !== null) {
      throw conflict(
        'state',
        `is ${old.state}: only failed, rolled-back or cancelled moves can be retried`,
      );
    }
    const created = await this.insertChecked(
      actor,
      old.mailboxId,
      old.targetBackendId,
      old.engine,
      {
        action: 'move.retry',
        reason: reason ?? null,
        retryOf: id,
      },
    );
    return {
      ...created,
      jobId: await this.jobs.enqueueAfterCommit(JobName.MoveRun, { moveId: created.id }),
    };
  }

  /** Inserts a move (and its audit event) after checking that it can run; for plans too. */
  async insertChecked(
    actor: Actor | null,
    mailboxId: number,
    targetBackendId: number,
    engine: MoveEngine,
    audit: { action: string; reason?: string | null; retryOf?: number; planId?: number },
    em?: EntityManager,
  ): Promise<MoveRow> {
    const run = async (tx: EntityManager): Promise<MoveRow> => {
      const mailbox = await this.moves.mailbox(tx, mailboxId);
      if (!mailbox) throw notFound('mailbox');
      const target = await this.moves.backend(tx, targetBackendId);
      if (!target) throw unprocessable('targetBackendId', 'does not exist');
      if (target.id === mailbox.backendId) {
        throw unprocessable('targetBackendId', 'is the backend the mailbox is on already');
      }
      if (target.state !== BackendState.Active) {
        throw unprocessable('targetBackendId', `is ${target.state}; a move needs an active target`);
      }
      if (!mailbox.active || mailbox.state !== MailboxState.Active) {
        throw unprocessable(
          'mailboxId',
          `is ${mailbox.active ? mailbox.state : 'disabled'}; only active mailboxes can be moved`,
        );
      }
      let moveId: number;
      try {
        moveId = await this.moves.insert(tx, {
          mailboxId,
          sourceBackendId: mailbox.backendId,
          targetBackendId,
          engine,
          requestedBy: actor?.id ?? null,
          rebalancePlanId: audit.planId ?? null,
        });
      } catch (err) {
        if (isUniqueViolation(err, 'moves_one_open_per_mailbox')) {
          throw conflict('mailboxId', 'is being moved already');
        }
        throw err;
      }
      const row = (await this.moves.findById(moveId, tx))!;
      if (actor) {
        await this.audit.record(tx, callerOf(actor), {
          action: audit.action,
          targetType: 'move',
          targetId: moveId,
          domainId: mailbox.domainId,
          after: {
            mailbox: mailbox.address,
            from: row.sourceBackend,
            to: row.targetBackend,
            engine,
            ...(audit.retryOf ? { retryOf: audit.retryOf } : {}),
            ...(audit.planId ? { planId: audit.planId } : {}),
          },
          reason: audit.reason ?? null,
        });
      }
      return row;
    };
    // a unique violation aborts the transaction, so each insert gets its own (or a savepoint)
    return em ? run(em) : this.ds.transaction(run);
  }
}
