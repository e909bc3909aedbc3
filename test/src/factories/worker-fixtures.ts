import { MailboxState } from '@roost/core';
import type { CyrusInstance } from '../harness/cyrus';
import { Queryable, insertBackend, insertMailbox } from './routing-fixtures';

// Rows the workers act on, on top of routing-fixtures: backends that point at a real Cyrus
// instance, with the admin password behind an `env:` reference set in this process.

export interface CyrusBackendFixture {
  /** The environment variable that will hold the admin password (set by this function). */
  secretEnv: string;
  /** argv template with {action}/{user}; none by default. */
  controlCommand?: string[];
}

export async function insertCyrusBackend(
  db: Queryable,
  instance: CyrusInstance,
  opts: CyrusBackendFixture,
): Promise<number> {
  process.env[opts.secretEnv] = instance.adminPassword;
  const id = await insertBackend(db, {
    name: instance.name,
    imapHost: instance.host,
    imapPort: instance.imapPort,
    lmtpHost: instance.host,
    lmtpPort: instance.lmtpPort,
  });
  await db.query(
    `UPDATE backends SET admin_user = $2, admin_secret_ref = $3, control_command = $4::jsonb,
                         tls_mode = 'none', sieve_port = $5
      WHERE id = $1`,
    [
      id,
      instance.adminUser,
      `env:${opts.secretEnv}`,
      JSON.stringify(opts.controlCommand ?? null),
      instance.sievePort,
    ],
  );
  return id;
}

/** A mailbox as the API leaves it before its create job: `provisioning`. */
export function insertProvisioningMailbox(
  db: Queryable,
  opts: { domainId: number; localPart: string; backendId: number; quotaBytes: number },
): Promise<number> {
  return insertMailbox(db, { ...opts, state: MailboxState.Provisioning });
}

export interface MailboxRowState {
  address: string;
  state: MailboxState;
  stateReason: string | null;
  quotaBytes: number;
  usedBytes: number;
  usedSyncedAt: Date | null;
}

export async function mailboxRow(db: Queryable, id: number): Promise<MailboxRowState | null> {
  const { rows } = await db.query<{
    address: string;
    state: MailboxState;
    state_reason: string | null;
    quota_bytes: string;
    used_bytes: string;
    used_synced_at: Date | null;
  }>(
    'SELECT address, state, state_reason, quota_bytes, used_bytes, used_synced_at FROM mailboxes WHERE id = $1',
    [id],
  );
  if (rows.length === 0) return null;
  const r = rows[0];
  return {
    address: r.address,
    state: r.state,
    stateReason: r.state_reason,
    quotaBytes: Number(r.quota_bytes),
    usedBytes: Number(r.used_bytes),
    usedSyncedAt: r.used_synced_at,
  };
}

export interface BackendHealthRow {
  health: string;
  healthFailures: number;
  healthLatencyMs: number | null;
  healthError: string | null;
  healthCheckedAt: Date | null;
}

export async function backendHealthRow(db: Queryable, id: number): Promise<BackendHealthRow> {
  const { rows } = await db.query<{
    health: string;
    health_failures: number;
    health_latency_ms: number | null;
    health_error: string | null;
    health_checked_at: Date | null;
  }>(
    'SELECT health, health_failures, health_latency_ms, health_error, health_checked_at FROM backends WHERE id = $1',
    [id],
  );
  const r = rows[0];
  return {
    health: r.health,
    healthFailures: r.health_failures,
    healthLatencyMs: r.health_latency_ms,
    healthError: r.health_error,
    healthCheckedAt: r.health_checked_at,
  };
}
