import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Postfix sends every lookup as an unprepared query, so PostgreSQL plans the alias view's five
 * branches on every lookup: 2.5 ms of planning for 0.2 ms of execution at 1,000,000 mailboxes
 * (docs/benchmarks.md). A PL/pgSQL function keeps the plan of its query per connection, and
 * Postfix's proxymap keeps connections open. The views stay the contract; these functions are
 * the fast path the map files call.
 */
export class AddPostfixLookupFunctions1763800000004 implements MigrationInterface {
  name = 'AddPostfixLookupFunctions1763800000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION postfix_alias_targets(key text) RETURNS SETOF text
        LANGUAGE plpgsql STABLE STRICT AS $$
      BEGIN
        RETURN QUERY SELECT target FROM postfix_aliases
          WHERE local_part = split_part(key, '@', 1) AND domain = split_part(key, '@', 2);
      END $$;

      CREATE FUNCTION postfix_transport_for(key text) RETURNS SETOF text
        LANGUAGE plpgsql STABLE STRICT AS $$
      BEGIN
        RETURN QUERY SELECT transport FROM postfix_transport WHERE address = key;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION postfix_transport_for(text), postfix_alias_targets(text)`);
  }
}
