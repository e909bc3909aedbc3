import { Injectable } from '@nestjs/common';
import { BackendHealth, BackendState, PlacementCandidate, TlsMode } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { ListQuery, Page } from '../common/list-query';
import { likePrefix, sql } from '../common/sql';

export interface BackendFields {
  name: string;
  imapHost: string;
  imapPort: number;
  pop3Port: number | null;
  lmtpHost: string;
  lmtpPort: number;
  sievePort: number | null;
  adminUser: string;
  adminSecretRef: string;
  controlCommand: string[] | null;
  tlsMode: TlsMode;
  tlsVerify: boolean;
  capacityBytes: number;
  capacityMailboxes: number;
  weight: number;
  state: BackendState;
}

export interface BackendFill {
  mailboxCount: number;
  usedBytes: number;
  quotaAllocatedBytes: number;
  /** max(used/capacity bytes, mailboxes/capacity mailboxes), in percent. */
  fillPercent: number;
}

export interface BackendRow extends BackendFields, BackendFill {
  id: number;
  health: BackendHealth;
  healthCheckedAt: Date | null;
  healthLatencyMs: number | null;
  healthError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const BACKEND_SORT = ['id', 'name'] as const;
export const BACKEND_FILTERS = {
  q: 'prefix',
  id: 'ids',
  state: { enum: Object.values(BackendState) },
  health: { enum: Object.values(BackendHealth) },
} as const;

const COLUMN_OF: Record<keyof BackendFields, string> = {
  name: 'name',
  imapHost: 'imap_host',
  imapPort: 'imap_port',
  pop3Port: 'pop3_port',
  lmtpHost: 'lmtp_host',
  lmtpPort: 'lmtp_port',
  sievePort: 'sieve_port',
  adminUser: 'admin_user',
  adminSecretRef: 'admin_secret_ref',
  controlCommand: 'control_command',
  tlsMode: 'tls_mode',
  tlsVerify: 'tls_verify',
  capacityBytes: 'capacity_bytes',
  capacityMailboxes: 'capacity_mailboxes',
  weight: 'weight',
  state: 'state',
};

const SELECT = `
  SELECT b.id, b.name, b.imap_host AS "imapHost", b.imap_port AS "imapPort", b.pop3_port AS "pop3Port",
         b.lmtp_host AS "lmtpHost", b.lmtp_port AS "lmtpPort", b.sieve_port AS "sievePort",
         b.admin_user AS "adminUser", b.admin_secret_ref AS "adminSecretRef", b.control_command AS "controlCommand",
         b.tls_mode AS "tlsMode", b.tls_verify AS "tlsVerify", b.capacity_bytes AS "capacityBytes",
         b.capacity_mailboxes AS "capacityMailboxes", b.weight, b.state, b.health,
         b.health_checked_at AS "healthCheckedAt", b.health_latency_ms AS "healthLatencyMs",
         b.health_error AS "healthError", b.created_at AS "createdAt", b.updated_at AS "updatedAt",
         COALESCE(f.mailboxes, 0)::int AS "mailboxCount", COALESCE(f.used, 0)::bigint AS "usedBytes",
         COALESCE(f.quota, 0)::bigint AS "quotaAllocatedBytes",
         round(100 * GREATEST(COALESCE(f.used, 0)::numeric / b.capacity_bytes,
                              COALESCE(f.mailboxes, 0)::numeric / b.capacity_mailboxes), 2)::float8 AS "fillPercent"
    FROM backends b
    LEFT JOIN LATERAL (SELECT count(*) AS mailboxes, sum(m.used_bytes) AS used, sum(m.quota_bytes) AS quota
                         FROM mailboxes m WHERE m.backend_id = b.id) f ON true`;

@Injectable()
export class BackendRepository {
  constructor(private readonly ds: DataSource) {}

  async list(
    q: ListQuery<(typeof BACKEND_SORT)[number], typeof BACKEND_FILTERS>,
  ): Promise<Page<BackendRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.filter.q !== undefined) where.push(`b.name LIKE $${params.push(likePrefix(q.filter.q))}`);
    if (q.filter.id) where.push(`b.id = ANY($${params.push(q.filter.id)}::int[])`);
    if (q.filter.state) where.push(`b.state = $${params.push(q.filter.state)}`);
    if (q.filter.health) where.push(`b.health = $${params.push(q.filter.health)}`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const em = this.ds.manager;
    const total = await sql<{ n: number }>(
      em,
      `SELECT count(*)::int AS n FROM backends b ${w}`,
      params,
    );
    const { rows } = await sql<BackendRow>(
      em,
      `${SELECT} ${w} ORDER BY b.${q.sort} ${q.order}, b.id LIMIT $${params.push(q.limit)} OFFSET $${params.push(q.offset)}`,
      params,
    );
    return { items: rows, offset: q.offset, total: total.rows[0].n };
  }

  async findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<BackendRow | null> {
    if (lock) await sql(em, `SELECT id FROM backends WHERE id = $1 FOR UPDATE`, [id]);
    const { rows } = await sql<BackendRow>(em, `${SELECT} WHERE b.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async insert(em: EntityManager, b: BackendFields): Promise<number> {
    const keys = Object.keys(COLUMN_OF) as (keyof BackendFields)[];
    const values = keys.map((k) =>
      k === 'controlCommand' && b[k] !== null ? JSON.stringify(b[k]) : b[k],
    );
    const { rows } = await sql<{ id: number }>(
      em,
      `INSERT INTO backends (${keys.map((k) => COLUMN_OF[k]).join(', ')})
       VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      values,
    );
    return rows[0].id;
  }

  async update(em: EntityManager, id: number, changes: Partial<BackendFields>): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [k, v] of Object.entries(changes) as [keyof BackendFields, unknown][]) {
      if (v === undefined) continue;
      sets.push(
        `${COLUMN_OF[k]} = $${params.push(k === 'controlCommand' && v !== null ? JSON.stringify(v) : v)}`,
      );
    }
    if (sets.length === 0) return;
    await sql(
      em,
      `UPDATE backends SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`,
      params,
    );
  }

  async delete(em: EntityManager, id: number): Promise<void> {
    await sql(em, `DELETE FROM backends WHERE id = $1`, [id]);
  }

  /** Whether anything still points at the backend (mailboxes, moves, placement policies). */
  async references(
    em: EntityManager,
    id: number,
  ): Promise<{ mailboxes: number; moves: number; domains: number }> {
    const { rows } = await sql<{ mailboxes: number; moves: number; domains: number }>(
      em,
      `SELECT (SELECT count(*) FROM mailboxes WHERE backend_id = $1)::int AS mailboxes,
              (SELECT count(*) FROM moves WHERE source_backend_id = $1 OR target_backend_id = $1)::int AS moves,
              (SELECT count(*) FROM domains WHERE placement_policy @> jsonb_build_object('backendIds', jsonb_build_array($1::int))
                  OR placement_policy->'rules' @> jsonb_build_array(jsonb_build_object('backendId', $1::int)))::int AS domains`,
      [id],
    );
    return rows[0];
  }

  /** Every backend with its current fill, for placing new mailboxes. */
  async placementCandidates(em: EntityManager = this.ds.manager): Promise<PlacementCandidate[]> {
    const { rows } = await sql<PlacementCandidate>(
      em,
      `SELECT b.id, b.state, b.health, b.weight, b.capacity_bytes AS "capacityBytes",
              b.capacity_mailboxes AS "capacityMailboxes",
              COALESCE(f.used, 0)::bigint AS "usedBytes", COALESCE(f.n, 0)::int AS "mailboxCount"
         FROM backends b
         LEFT JOIN LATERAL (SELECT count(*) AS n, sum(m.used_bytes) AS used FROM mailboxes m
                             WHERE m.backend_id = b.id) f ON true
        ORDER BY b.id`,
    );
    return rows;
  }
}
