import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The mailbox search (`q`) also finds a user by name: a case-insensitive prefix of the whole
 * display name, or of any word of it ("smi" finds "John Smith"), as well as the address.
 *   - words: a GIN index on the name's `simple` text-search words (lower-cased, no stemming),
 *     led by domain_id (btree_gin) so a domain's search reads only that domain's entries;
 *     the same index serves the global search (a GIN index answers any subset of its columns);
 *   - whole-name prefix within a domain: (domain_id, lower(display_name)); the global one is
 *     the existing mailboxes_display_name_idx.
 * Built without CONCURRENTLY (migrations run in a transaction): at 1,000,000 mailboxes both
 * take ~8 s, during which mailbox writes wait (reads, and so Postfix lookups, do not).
 * btree_gin is a trusted extension (PostgreSQL 13+): the database owner may create it. `down`
 * leaves it installed, as other objects may use it by then.
 */
export class IndexMailboxNameWords1763800000006 implements MigrationInterface {
  name = 'IndexMailboxNameWords1763800000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await q.query(
      `CREATE INDEX mailboxes_name_words_idx ON mailboxes
         USING gin (domain_id, to_tsvector('simple'::regconfig, display_name))`,
    );
    await q.query(
      `CREATE INDEX mailboxes_domain_display_name_idx ON mailboxes
         (domain_id, lower(display_name) text_pattern_ops)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX mailboxes_domain_display_name_idx`);
    await q.query(`DROP INDEX mailboxes_name_words_idx`);
  }
}
