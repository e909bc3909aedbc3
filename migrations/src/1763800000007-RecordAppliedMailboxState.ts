import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the workers last applied on a mailbox's backend, next to what the row asks for, so that
 * a change whose job was never queued (Redis refused the enqueue after the commit) can be found
 * and queued again by the reconciler (workers/src/mailbox/reconcile.job.ts):
 *   cyrus_address        the user's name on its backend (differs from `address`: a rename is due)
 *   quota_applied_bytes  the quota set on the backend (differs from `quota_bytes`: a quota change)
 *   backend_denied       the suspension was applied on the backend (cyr_deny); false after activate
 * NULL means not known (not created yet, or a row written by hand): the reconciler leaves it alone.
 * A move also refuses to begin while a rename is due (its copy would look for the new name).
 */
export class RecordAppliedMailboxState1763800000007 implements MigrationInterface {
  name = 'RecordAppliedMailboxState1763800000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE mailboxes
        ADD COLUMN cyrus_address text,
        ADD COLUMN quota_applied_bytes bigint,
        ADD COLUMN backend_denied boolean`);
    // existing mailboxes: assume what the row says was applied
    await q.query(`
      UPDATE mailboxes
         SET cyrus_address = address, quota_applied_bytes = quota_bytes,
             backend_denied = (state = 'suspended')
       WHERE state <> 'provisioning'`);
    // the reconciler's query: only the few rows with something pending are in the index
    await q.query(`
      CREATE INDEX mailboxes_pending_idx ON mailboxes (updated_at)
       WHERE state IN ('provisioning', 'deleting')
          OR (state IN ('active', 'suspended')
              AND (cyrus_address <> address
                   OR quota_applied_bytes <> quota_bytes
                   OR backend_denied <> (state = 'suspended')))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX mailboxes_pending_idx`);
    await q.query(`
      ALTER TABLE mailboxes
        DROP COLUMN backend_denied,
        DROP COLUMN quota_applied_bytes,
        DROP COLUMN cyrus_address`);
  }
}
