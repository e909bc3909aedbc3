import { Injectable } from '@nestjs/common';
import { BackendHealth, BackendState, PlacementCandidate, TlsMode } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { exactPage, SqlWhere } from '../common/list-sql';
import { ListQuery, Page } from '../common/list-query';
import { insertRow, oneRow, updateRow, WritableTable } from '../common/row-sql';
import { sql } from '../common/sql';

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

const BACKENDS: WritableTable<BackendFields> = {
  name: 'backends',
  columnOf: {
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
  },
  json: ['controlCommand'],
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
    const where = new SqlWhere().andFilters(BACKEND_FILTERS, q.filter, {
      q: 'b.name',
      id: 'b.id',
      state: 'b.state',
      health: 'b.health',
    });
    return exactPage(this.ds.manager, q, {
      select: SELECT,
      countFrom: 'FROM backends b',
      where,
      orderBy: `b.${q.sort} ${q.order}, b.id`,
    });
  }

  async findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<BackendRow | null> {
    if (lock) await sql(em, `SELECT id FROM backends WHERE id = $1 FOR UPDATE`, [id]);
    return oneRow<BackendRow>(em, `${SELECT} WHERE b.id = $1`, [id]);
  }

  insert(em: EntityManager, b: BackendFields): Promise<number> {
    return insertRow(em, BACKENDS, b);
  }

  update(em: EntityManager, id: number, changes: Partial<BackendFields>): Promise<void> {
    return updateRow(em, BACKENDS, id, changes);
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
