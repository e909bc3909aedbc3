import { BackendHealth, BackendState, TlsMode } from '@roost/core';

/** GET /api/backends rows (api/src/backends/backend.repository.ts `BackendRow`). */
export interface BackendRecord {
  id: number;
  name: string;
  imapHost: string;
  imapPort: number;
  lmtpHost: string;
  lmtpPort: number;
  state: BackendState;
  weight: number;
  capacityBytes: number;
  capacityMailboxes: number;
  mailboxCount: number;
  usedBytes: number;
  quotaAllocatedBytes: number;
  fillPercent: number;
  health: BackendHealth;
  healthCheckedAt: string | null;
  healthLatencyMs: number | null;
  healthError: string | null;
}

export const BACKEND_STATE_CHOICES = Object.values(BackendState).map((s) => ({ id: s, name: s }));
export const HEALTH_CHOICES = Object.values(BackendHealth).map((s) => ({ id: s, name: s }));
export const TLS_CHOICES = Object.values(TlsMode).map((s) => ({ id: s, name: s }));
