import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/actor';
import { sql } from '../common/sql';

export interface AuditInput {
  action: string;
  targetType: string;
  targetId?: string | number | null;
  domainId?: number | null;
  before?: object | null;
  after?: object | null;
  reason?: string | null;
}

const SECRET_KEY = /password|secret|token|hash/i;

/** Drops every key that could hold a secret, at any depth. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEY.test(k)) continue;
    if (v !== undefined) out[k] = withoutSecrets(v);
  }
  return out;
}

/** Writes audit events, inside the caller's transaction so the event and the change commit together. */
@Injectable()
export class AuditService {
  constructor(private readonly ds: DataSource) {}

  async record(em: EntityManager | null, caller: Caller, e: AuditInput): Promise<void> {
    await sql(
      em ?? this.ds.manager,
      `INSERT INTO audit_events (actor_id, actor_name, role, action, target_type, target_id, domain_id, before, after, ip, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        caller.id,
        caller.username,
        caller.role,
        e.action,
        e.targetType,
        e.targetId === undefined || e.targetId === null ? null : String(e.targetId),
        e.domainId ?? null,
        e.before ? JSON.stringify(withoutSecrets(e.before)) : null,
        e.after ? JSON.stringify(withoutSecrets(e.after)) : null,
        caller.ip,
        e.reason ?? null,
      ],
    );
  }
}
