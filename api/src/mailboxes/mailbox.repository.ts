import { Injectable } from '@nestjs/common';
import { MailboxState } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { JsonPage, jsonPageWithCount } from '../common/count';
import { ListQuery } from '../common/list-query';
import { likePrefix, sql } from '../common/sql';

export interface MailboxRow {
  id: number;
  domainId: number;
  localPart: string;
  address: string;
  displayName: string;
  passwordMustChange: boolean;
  active: boolean;
  quotaBytes: number;
  usedBytes: number;
  usedSyncedAt: Date | null;
  /** The routing entry: read-only here, changed only by moves. */
  backendId: number;
  pinned: boolean;
  state: MailboxState;
  stateReason: string | null;
  lastLoginAt: Date | null;
  deleteAfter: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewMailbox {
  domainId: number;
  localPart: string;
  address: string;
  displayName: string;
  passwordHash: string;
  passwordMustChange: boolean;
  quotaBytes: number;
  backendId: number;
  pinned: boolean;
}

export const MAILBOX_SORT = ['id', 'address'] as const;
export const MAILBOX_FILTERS = {
  q: 'prefix',
  id: 'ids',
  domainId: 'int',
  backendId: 'int',
  state: { enum: Object.values(MailboxState) },
  active: 'bool',
  overQuotaPercent: 'number',
} as const;

export type MailboxListQuery = ListQuery<(typeof MAILBOX_SORT)[number], typeof MAILBOX_FILTERS>;

export const MAILBOX_COLUMNS = `m.id, m.domain_id AS "domainId", m.local_part AS "localPart", m.address,
  m.display_name AS "displayName", m.password_must_change AS "passwordMustChange", m.active,
  m.quota_bytes AS "quotaBytes", m.used_bytes AS "usedBytes", m.used_synced_at AS "usedSyncedAt",
  m.backend_id AS "backendId", m.pinned, m.state, m.state_reason AS "stateReason",
  m.last_login_at AS "lastLoginAt", m.delete_after AS "deleteAfter", m.created_at AS "createdAt",
  m.updated_at AS "updatedAt"`;

/** Timestamps rendered by PostgreSQL as the JSON the API sends (no Date parsing per cell). */
const iso = (column: string, alias: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "${alias}"`;

/** The list's columns: as MAILBOX_COLUMNS, with the timestamps already as ISO strings. */
const LIST_COLUMNS = `m.id, m.domain_id AS "domainId", m.local_part AS "localPart", m.address,
  m.display_name AS "displayName", m.password_must_change AS "passwordMustChange", m.active,
  m.quota_bytes AS "quotaBytes", m.used_bytes AS "usedBytes", ${iso('m.used_synced_at', 'usedSyncedAt')},
  m.backend_id AS "backendId", m.pinned, m.state, m.state_reason AS "stateReason",
  ${iso('m.last_login_at', 'lastLoginAt')}, ${iso('m.delete_after', 'deleteAfter')},
  ${iso('m.created_at', 'createdAt')}, ${iso('m.updated_at', 'updatedAt')}`;

/** A mailbox change returns the row and a version (updated_at in µs) that names the job for it. */
export interface Versioned {
  row: MailboxRow;
  version: number;
}

@Injectable()
export class MailboxRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * The list, index-friendly for 1,000,000 rows: within one domain the (domain_id, local_part)
   * index serves filter, prefix search and order; across domains the address index does.
   * `scope` null means every domain.
   */
  async list(scope: number[] | null, q: MailboxListQuery): Promise<JsonPage> {
    const f = q.filter;
    let domainId = f.domainId;
    if (scope && domainId !== undefined && !scope.includes(domainId))
      return { json: '[]', count: 0, offset: q.offset, total: 0 };
    if (scope && scope.length === 1 && domainId === undefined) domainId = scope[0];
    if (scope && scope.length === 0) return { json: '[]', count: 0, offset: q.offset, total: 0 };

    const where: string[] = [];
    const params: unknown[] = [];
    if (domainId !== undefined) where.push(`m.domain_id = $${params.push(domainId)}`);
    else if (scope) where.push(`m.domain_id = ANY($${params.push(scope)}::int[])`);
    if (f.q !== undefined && f.q !== '') {
      const column = domainId !== undefined && !f.q.includes('@') ? 'm.local_part' : 'm.address';
      where.push(`${column} LIKE $${params.push(likePrefix(f.q))}`);
    }
    if (f.id) where.push(`m.id = ANY($${params.push(f.id)}::bigint[])`);
    if (f.backendId !== undefined) where.push(`m.backend_id = $${params.push(f.backendId)}`);
    if (f.state !== undefined) where.push(`m.state = $${params.push(f.state)}`);
    if (f.active !== undefined) where.push(`m.active = $${params.push(f.active)}`);
    if (f.overQuotaPercent !== undefined)
      where.push(
        `m.quota_bytes > 0 AND m.used_bytes * 100 >= m.quota_bytes * $${params.push(f.overQuotaPercent)}::numeric`,
      );

    const fromWhere = `FROM mailboxes m ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    const byLocalPart = domainId !== undefined;
    const column = q.sort === 'id' ? 'id' : byLocalPart ? 'local_part' : 'address';
    const alias = q.sort === 'id' ? 'id' : byLocalPart ? '"localPart"' : 'address';
    return jsonPageWithCount(this.ds.manager, {
      columns: LIST_COLUMNS,
      fromWhere,
      order: `m.${column} ${q.order}`,
      aggOrder: `x.${alias} ${q.order}`,
      params,
      limit: q.limit,
      offset: q.offset,
    });
  }

  async findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<MailboxRow | null> {
    const { rows } = await sql<MailboxRow>(
      em,
      `SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE m.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async findByAddress(
    address: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<MailboxRow | null> {
    const { rows } = await sql<MailboxRow>(
      em,
      `SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE m.address = $1${lock ? ' FOR UPDATE' : ''}`,
      [address],
    );
    return rows[0] ?? null;
  }

  async passwordHash(id: number, em: EntityManager = this.ds.manager): Promise<string | null> {
    const { rows } = await sql<{ h: string }>(
      em,
      `SELECT password_hash AS h FROM mailboxes WHERE id = $1`,
      [id],
    );
    return rows[0]?.h ?? null;
  }

  async existingAddresses(
    addresses: string[],
    em: EntityManager = this.ds.manager,
  ): Promise<Set<string>> {
    const { rows } = await sql<{ address: string }>(
      em,
      `SELECT address FROM mailboxes WHERE address = ANY($1::text[])`,
      [addresses],
    );
    return new Set(rows.map((r) => r.address));
  }

  /** Inserts many mailboxes in one statement; returns their ids in input order. */
  async insertMany(em: EntityManager, list: NewMailbox[]): Promise<number[]> {
    if (list.length === 0) return [];
    const col = <K extends keyof NewMailbox>(k: K) => list.map((m) => m[k]);
    const { rows } = await sql<{ id: number; address: string }>(
      em,
      `INSERT INTO mailboxes (domain_id, local_part, address, display_name, password_hash, password_must_change,
                              quota_bytes, backend_id, pinned, state)
       SELECT domain_id, local_part, address, display_name, password_hash, must_change, quota, backend_id, pinned, 'provisioning'
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::bigint[], $8::int[], $9::bool[])
              WITH ORDINALITY AS t(domain_id, local_part, address, display_name, password_hash, must_change, quota, backend_id, pinned, ord)
        ORDER BY ord
       RETURNING id, address`,
      [
        col('domainId'),
        col('localPart'),
        col('address'),
        col('displayName'),
        col('passwordHash'),
        col('passwordMustChange'),
        col('quotaBytes'),
        col('backendId'),
        col('pinned'),
      ],
    );
    const byAddress = new Map(rows.map((r) => [r.address, r.id]));
    return list.map((m) => byAddress.get(m.address)!);
  }

  /** Applies column changes and bumps updated_at; returns the new row and its version. */
  async change(em: EntityManager, id: number, sets: Record<string, unknown>): Promise<Versioned> {
    const parts: string[] = [];
    const params: unknown[] = [id];
    for (const [column, value] of Object.entries(sets)) {
      if (value === undefined) continue;
      if (typeof value === 'object' && value !== null && 'sql' in value)
        parts.push(`${column} = ${(value as { sql: string }).sql}`);
      else parts.push(`${column} = $${params.push(value)}`);
    }
    const { rows } = await sql<{ v: string }>(
      em,
      `UPDATE mailboxes SET ${[...parts, 'updated_at = clock_timestamp()'].join(', ')} WHERE id = $1
       RETURNING (extract(epoch FROM updated_at) * 1000000)::bigint AS v`,
      params,
    );
    const row = (await this.findById(id, em))!;
    return { row, version: Number(rows[0].v) };
  }
}
