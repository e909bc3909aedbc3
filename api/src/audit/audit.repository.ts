import { Injectable } from '@nestjs/common';
import { Role } from '@roost/core';
import { DataSource } from 'typeorm';
import { Actor } from '../auth/actor';
import { ListQuery, Page } from '../common/list-query';
import { sql } from '../common/sql';

export const AUDIT_SORT = ['id', 'at'] as const;
export const AUDIT_FILTERS = {
  id: 'ids',
  action: 'string',
  targetType: 'string',
  targetId: 'string',
  actorId: 'int',
  domainId: 'int',
  since: 'date',
  until: 'date',
} as const;

export interface AuditRow {
  id: number;
  at: Date;
  actorId: number | null;
  actorName: string;
  role: string;
  action: string;
  targetType: string;
  targetId: string | null;
  domainId: number | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  reason: string | null;
}

/** Audit events are only ever appended (AuditService) and read here. */
@Injectable()
export class AuditRepository {
  constructor(private readonly ds: DataSource) {}

  private scope(actor: Actor, where: string[], params: unknown[]): void {
    if (actor.role === Role.Support) where.push(`actor_id = $${params.push(actor.id)}`);
    else if (actor.domainIds !== 'all')
      where.push(`domain_id = ANY($${params.push(actor.domainIds)}::int[])`);
  }

  async list(
    actor: Actor,
    q: ListQuery<(typeof AUDIT_SORT)[number], typeof AUDIT_FILTERS>,
  ): Promise<Page<AuditRow>> {
    const where: string[] = [];
    const params: unknown[] = [];
    this.scope(actor, where, params);
    const f = q.filter;
    if (f.id) where.push(`id = ANY($${params.push(f.id)}::bigint[])`);
    if (f.action) where.push(`action = $${params.push(f.action)}`);
    if (f.targetType) where.push(`target_type = $${params.push(f.targetType)}`);
    if (f.targetId) where.push(`target_id = $${params.push(f.targetId)}`);
    if (f.actorId) where.push(`actor_id = $${params.push(f.actorId)}`);
    if (f.domainId) where.push(`domain_id = $${params.push(f.domainId)}`);
    if (f.since) where.push(`at >= $${params.push(f.since)}`);
    if (f.until) where.push(`at < $${params.push(f.until)}`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const em = this.ds.manager;
    // The audit log grows without bound: count at most 100,001 rows.
    const count = await sql<{ n: number }>(
      em,
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM audit_events ${w} LIMIT 100001) t`,
      params,
    );
    const order = q.sort === 'at' ? `at ${q.order}, id ${q.order}` : `id ${q.order}`;
    const { rows } = await sql<AuditRow>(
      em,
      `SELECT id, at, actor_id AS "actorId", actor_name AS "actorName", role, action,
              target_type AS "targetType", target_id AS "targetId", domain_id AS "domainId",
              before, after, ip, reason
         FROM audit_events ${w} ORDER BY ${order}
        LIMIT $${params.push(q.limit)} OFFSET $${params.push(q.offset)}`,
      params,
    );
    return { items: rows, offset: q.offset, total: count.rows[0].n };
  }

  async findOne(actor: Actor, id: number): Promise<AuditRow | null> {
    const page = await this.list(actor, {
      sort: 'id',
      order: 'ASC',
      offset: 0,
      limit: 1,
      filter: { id: [id] },
    });
    return page.items[0] ?? null;
  }
}
