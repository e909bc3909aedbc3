import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * postfix_alias_targets() ran the five-branch postfix_aliases view for every key, probing every
 * branch's indexes although a key can only match one or two of them: 9,000 lookups/s at 4
 * clients with 1,000,000 mailboxes, under the 10,000 issue 6 asks for. This version asks the
 * same questions in the order the view's branches answer them and stops at the first that
 * applies, so the common keys (a mailbox, an alias) cost two or three index probes.
 *
 * It reads the tables, which the relays' read-only role may not (it may read the views): so it
 * runs with its owner's rights (SECURITY DEFINER, with a fixed search_path), and answers no more
 * than the view does.
 *
 * It must answer exactly what `SELECT target FROM postfix_aliases WHERE local_part = ... AND
 * domain = ...` answers, as a set: test/src/migrations/alias-lookup.e2e-spec.ts compares the
 * two for every kind of key. The view stays the contract.
 */
export class ResolveAliasesStepByStep1763800000005 implements MigrationInterface {
  name = 'ResolveAliasesStepByStep1763800000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION postfix_alias_targets(key text) RETURNS SETOF text
        LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        lp text := split_part(key, '@', 1);
        dom text := split_part(key, '@', 2);
        own_id bigint;
        target_id bigint;
        target_name text;
      BEGIN
        -- a domain of ours (view branches 1 and 2): the active alias, else the mailbox itself
        SELECT d.id INTO own_id FROM domains d WHERE d.name = dom AND d.active;
        IF FOUND THEN
          RETURN QUERY SELECT t.target FROM aliases a CROSS JOIN LATERAL unnest(a.targets) t(target)
            WHERE a.domain_id = own_id AND a.local_part = lp AND a.active;
          IF NOT FOUND THEN
            RETURN QUERY SELECT m.address::text FROM mailboxes m
              WHERE m.domain_id = own_id AND m.local_part = lp;
          END IF;
        END IF;
        -- an alias domain (branches 3 to 5); Roost never gives a name both roles, but the view
        -- would answer for both, so this does too
        SELECT d.id, d.name INTO target_id, target_name
          FROM alias_domains ad JOIN domains d ON d.id = ad.target_domain_id
         WHERE ad.name = dom AND ad.active AND d.active;
        IF NOT FOUND THEN RETURN; END IF;
        IF lp = '' THEN
          -- the catch-all of the alias domain is the target domain's catch-all
          RETURN QUERY SELECT t.target FROM aliases a CROSS JOIN LATERAL unnest(a.targets) t(target)
            WHERE a.domain_id = target_id AND a.local_part = '' AND a.active;
        ELSIF EXISTS (SELECT 1 FROM aliases a
                       WHERE a.domain_id = target_id AND a.local_part = lp AND a.active) THEN
          RETURN NEXT lp || '@' || target_name;
        ELSE
          RETURN QUERY SELECT m.address::text FROM mailboxes m
            WHERE m.domain_id = target_id AND m.local_part = lp;
        END IF;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    // CREATE OR REPLACE keeps the routing role's EXECUTE grant; the attributes must be reset too
    await q.query(`
      ALTER FUNCTION postfix_alias_targets(text) SECURITY INVOKER RESET search_path;
      CREATE OR REPLACE FUNCTION postfix_alias_targets(key text) RETURNS SETOF text
        LANGUAGE plpgsql STABLE STRICT AS $$
      BEGIN
        RETURN QUERY SELECT target FROM postfix_aliases
          WHERE local_part = split_part(key, '@', 1) AND domain = split_part(key, '@', 2);
      END $$;
    `);
  }
}
