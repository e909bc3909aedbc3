import { MailboxState } from '@roost/core';

/** GET /api/mailboxes rows (api/src/mailboxes/mailbox.repository.ts `MailboxRow`). */
export interface MailboxRecord {
  id: number;
  domainId: number;
  localPart: string;
  address: string;
  displayName: string;
  passwordMustChange: boolean;
  active: boolean;
  quotaBytes: number;
  usedBytes: number;
  usedSyncedAt: string | null;
  backendId: number;
  pinned: boolean;
  state: MailboxState;
  stateReason: string | null;
  lastLoginAt: string | null;
  deleteAfter: string | null;
  createdAt: string;
  updatedAt: string;
  generatedPassword?: string;
}

export const MAILBOX_STATE_CHOICES = Object.values(MailboxState).map((s) => ({ id: s, name: s }));
