import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Some actions need a command on the backend host itself (Cyrus `cyr_deny` to end a user's
 * sessions and refuse logins). Like relays, each backend gets a configurable control command:
 * an argv template run locally or over ssh, with `{action}` and `{user}` substituted.
 */
export class AddBackendControlCommand1763800000002 implements MigrationInterface {
  name = 'AddBackendControlCommand1763800000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE backends ADD COLUMN control_command jsonb`);
    await q.query(`ALTER TABLE relay_calls ALTER COLUMN relay_id DROP NOT NULL`);
    await q.query(
      `ALTER TABLE relay_calls ADD COLUMN backend_id int REFERENCES backends(id) ON DELETE CASCADE`,
    );
    await q.query(`ALTER TABLE relay_calls ADD CHECK ((relay_id IS NULL) <> (backend_id IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM relay_calls WHERE backend_id IS NOT NULL`);
    await q.query(`ALTER TABLE relay_calls DROP COLUMN backend_id`);
    await q.query(`ALTER TABLE relay_calls ALTER COLUMN relay_id SET NOT NULL`);
    await q.query(`ALTER TABLE backends DROP COLUMN control_command`);
  }
}
