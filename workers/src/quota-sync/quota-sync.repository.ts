import { BackendHealth } from '@roost/core';
import { Backend } from '@roost/db';
import { DataSource } from 'typeorm';

export interface MailboxToSync {
  id: number;
  address: string;
}

export interface Usage {
  mailboxId: number;
  usedBytes: number;
}

/** Mailboxes whose mail is on their backend (a provisioning or deleting one may not be). */
const SYNCED_STATES = ['active', 'suspended', 'moving', 'frozen', 'error'];

export class QuotaSyncRepository {
  constructor(private readonly db: DataSource) {}

  /** Backends worth asking; one whose health is down is skipped until it answers again. */
  async backendsToSync(): Promise<Backend[]> {
    const all = await this.db.getRepository(Backend).find({ order: { id: 'ASC' } });
    return all.filter((b) => b.health !== BackendHealth.Down);
  }

  findBackend(backendId: number): Promise<Backend | null> {
    return this.db.getRepository(Backend).findOneBy({ id: backendId });
  }

  /** One page of a backend's mailboxes, by id after `afterId` (keyset paging). */
  async mailboxPage(backendId: number, afterId: number, limit: number): Promise<MailboxToSync[]> {
    const rows: { id: number; address: string }[] = await this.db.query(
      `SELECT id, address FROM mailboxes
        WHERE backend_id = $1 AND id > $2 AND state = ANY($3::text[])
        ORDER BY id LIMIT $4`,
      [backendId, afterId, SYNCED_STATES, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), address: r.address }));
  }

  /** One UPDATE for a whole batch. */
  async recordUsage(usage: Usage[]): Promise<void> {
    if (usage.length === 0) return;
    await this.db.query(
      `UPDATE mailboxes m SET used_bytes = u.used_bytes, used_synced_at = now()
         FROM unnest($1::bigint[], $2::bigint[]) AS u(id, used_bytes)
        WHERE m.id = u.id`,
      [usage.map((u) => u.mailboxId), usage.map((u) => u.usedBytes)],
    );
  }
}
