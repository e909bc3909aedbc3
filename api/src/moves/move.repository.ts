import { Injectable } from '@nestjs/common';
import {
  BackendState,
  MailboxState,
  MoveEngine,
  MoveState,
  OPEN_MOVE_STATES,
  PRE_FLIP_MOVE_STATES,
} from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { exactPage, SqlWhere } from '../common/list-sql';
import { ListQuery, Page } from '../common/list-query';
import { likePrefix, sql } from '../common/sql';

/** A move as the console shows it: routing, phase, counters, rate and ETA. */
export interface MoveRow {
  id: number;
  mailboxId: number;
  address: string;
  sourceBackendId: number;
  sourceBackend: string;
  targetBackendId: number;
  targetBackend: string;
  state: MoveState;
  engine: MoveEngine;
  foldersTotal: number;
  foldersDone: number;
  messagesTotal: number;
  messagesDone: number;
  bytesTotal: number;
  bytesDone: number;
  /** Share of the bytes copied, 0-100. */
  percent: number;
  rateMessagesPerS: number | null;
  etaS: number | null;
  progressAt: Date | null;
  frozenAt: Date | null;
  flippedAt: Date | null;
  retainUntil: Date | null;
  requestedBy: number | null;
  rebalancePlanId: number | null;
  cancelRequested: boolean;
  attempts: number;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface MoveFolderRow {
  name: string;
  sourceUidvalidity: number | null;
  lastCopiedUid: number;
  messagesTotal: number;
  messagesDone: number;
  bytesTotal: number;
  bytesDone: number;
  done: boolean;
}

export interface MoveDetail extends MoveRow {
  folders: MoveFolderRow[];
  verification: unknown;
}

export interface MailboxForMove {
  id: number;
  address: string;
  domainId: number;
  backendId: number;
  state: MailboxState;
  active: boolean;
}

export const MOVE_SORT = ['id', 'createdAt', 'state'] as const;
export const MOVE_FILTERS = {
  q: 'prefix',
  id: 'ids',
  state: { enum: Object.values(MoveState) },
  mailboxId: 'int',
  backendId: 'int',
  rebalancePlanId: 'int',
  open: 'bool',
} as const;

const SORT_COLUMN: Record<(typeof MOVE_SORT)[number], string> = {
  id: 'mv.id',
  createdAt: 'mv.created_at',
  state: 'mv.state',
};

const SELECT = `
  SELECT mv.id, mv.mailbox_id AS "mailboxId", m.address,
         mv.source_backend_id AS "sourceBackendId", sb.name AS "sourceBackend",
         mv.target_backend_id AS "targetBackendId", tb.name AS "targetBackend",
         mv.state, mv.engine, mv.folders_total AS "foldersTotal", mv.folders_done AS "foldersDone",
         mv.messages_total AS "messagesTotal", mv.messages_done AS "messagesDone",
         mv.bytes_total AS "bytesTotal", mv.bytes_done AS "bytesDone",
         CASE WHEN mv.bytes_total > 0 THEN round(100.0 * mv.bytes_done / mv.bytes_total, 1)::float8
              WHEN mv.state IN ('flipped','retained','cleaned') THEN 100 ELSE 0 END AS percent,
         mv.rate_messages_per_s AS "rateMessagesPerS", mv.eta_s AS "etaS", mv.progress_at AS "progressAt",
         mv.frozen_at AS "frozenAt", mv.flipped_at AS "flippedAt", mv.retain_until AS "retainUntil",
         mv.requested_by AS "requestedBy", mv.rebalance_plan_id AS "rebalancePlanId",
         mv.cancel_requested AS "cancelRequested", mv.attempts, mv.error,
         mv.started_at AS "startedAt", mv.finished_at AS "finishedAt",
         mv.created_at AS "createdAt", mv.updated_at AS "updatedAt"
    FROM moves mv
    JOIN mailboxes m ON m.id = mv.mailbox_id
    JOIN backends sb ON sb.id = mv.source_backend_id
    JOIN backends tb ON tb.id = mv.target_backend_id`;

/** All SQL of the moves routes. */
@Injectable()
export class MoveRepository {
  constructor(private readonly ds: DataSource) {}

  async list(
    q: ListQuery<(typeof MOVE_SORT)[number], typeof MOVE_FILTERS>,
  ): Promise<Page<MoveRow>> {
    const f = q.filter;
    const where = new SqlWhere();
    if (f.q !== undefined) where.and(`m.address LIKE ${where.param(likePrefix(f.q))}`);
    if (f.id) where.and(`mv.id = ANY(${where.param(f.id)}::bigint[])`);
    if (f.state) where.and(`mv.state = ${where.param(f.state)}`);
    if (f.mailboxId) where.and(`mv.mailbox_id = ${where.param(f.mailboxId)}`);
    if (f.backendId) {
      const p = where.param(f.backendId);
      where.and(`(mv.source_backend_id = ${p} OR mv.target_backend_id = ${p})`);
    }
    if (f.rebalancePlanId) where.and(`mv.rebalance_plan_id = ${where.param(f.rebalancePlanId)}`);
    if (f.open !== undefined) {
      where.and(
        `${f.open ? '' : 'NOT '}(mv.state = ANY(${where.param(OPEN_MOVE_STATES)}::text[]))`,
      );
    }
    return exactPage(this.ds.manager, q, {
      select: SELECT,
      countFrom: 'FROM moves mv JOIN mailboxes m ON m.id = mv.mailbox_id',
      where,
      orderBy: `${SORT_COLUMN[q.sort]} ${q.order}, mv.id ${q.order}`,
    });
  }

  async findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<MoveRow | null> {
    if (lock) await sql(em, `SELECT id FROM moves WHERE id = $1 FOR UPDATE`, [id]);
    const { rows } = await sql<MoveRow>(em, `${SELECT} WHERE mv.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async detail(id: number): Promise<MoveDetail | null> {
    const row = await this.findById(id);
    if (!row) return null;
    const em = this.ds.manager;
    const folders = await sql<MoveFolderRow>(
      em,
      `SELECT name, source_uidvalidity AS "sourceUidvalidity", last_copied_uid AS "lastCopiedUid",
              messages_total AS "messagesTotal", messages_done AS "messagesDone",
              bytes_total AS "bytesTotal", bytes_done AS "bytesDone", done
         FROM move_folders WHERE move_id = $1 ORDER BY name`,
      [id],
    );
    const v = await sql<{ verification: unknown }>(
      em,
      `SELECT verification FROM moves WHERE id = $1`,
      [id],
    );
    return { ...row, folders: folders.rows, verification: v.rows[0]?.verification ?? null };
  }

  async mailbox(em: EntityManager, id: number): Promise<MailboxForMove | null> {
    const { rows } = await sql<MailboxForMove>(
      em,
      `SELECT id, address, domain_id AS "domainId", backend_id AS "backendId", state, active
         FROM mailboxes WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ?? null;
  }

  async backend(
    em: EntityManager,
    id: number,
  ): Promise<{ id: number; name: string; state: BackendState } | null> {
    const { rows } = await sql<{ id: number; name: string; state: BackendState }>(
      em,
      `SELECT id, name, state FROM backends WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async insert(
    em: EntityManager,
    m: {
      mailboxId: number;
      sourceBackendId: number;
      targetBackendId: number;
      engine: MoveEngine;
      requestedBy: number | null;
      rebalancePlanId?: number | null;
    },
  ): Promise<number> {
    const { rows } = await sql<{ id: number }>(
      em,
      `INSERT INTO moves (mailbox_id, source_backend_id, target_backend_id, engine, requested_by, rebalance_plan_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        m.mailboxId,
        m.sourceBackendId,
        m.targetBackendId,
        m.engine,
        m.requestedBy,
        m.rebalancePlanId ?? null,
      ],
    );
    return rows[0].id;
  }

  /** Asks a running move to stop; the worker rolls it back. False once it has flipped. */
  async requestCancel(em: EntityManager, id: number): Promise<boolean> {
    const { affected } = await sql(
      em,
      `UPDATE moves SET cancel_requested = true, updated_at = now()
        WHERE id = $1 AND state = ANY($2::text[])`,
      [id, PRE_FLIP_MOVE_STATES],
    );
    return affected > 0;
  }
}
