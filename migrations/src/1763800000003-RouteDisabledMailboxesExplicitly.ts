import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Disabled mailboxes (suspended, deleting, inactive) must be refused wherever mail reaches them:
 * through an alias, an alias domain, or an alias pointing into an inactive domain. Before this,
 * they had no identity alias row, so a catch-all swallowed their mail (found with a real relay).
 *   - identity rows for every mailbox of an active domain, whatever its state;
 *   - alias-domain rows for every mailbox without an explicit alias (no duplicate answers);
 *   - transport answers `error:5.2.1` for a disabled mailbox or one in an inactive domain;
 *   - the access map is keyed by (local_part, domain) and covers alias-domain addresses.
 * CREATE OR REPLACE keeps the grants the relays' read-only role has on these views.
 */
export class RouteDisabledMailboxesExplicitly1763800000003 implements MigrationInterface {
  name = 'RouteDisabledMailboxesExplicitly1763800000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE VIEW postfix_aliases AS
        SELECT a.local_part, d.name AS domain, t.target
          FROM aliases a JOIN domains d ON d.id = a.domain_id
          CROSS JOIN LATERAL unnest(a.targets) AS t(target)
         WHERE a.active AND d.active
        UNION ALL
        SELECT m.local_part, d.name, m.address
          FROM mailboxes m JOIN domains d ON d.id = m.domain_id
         WHERE d.active AND NOT EXISTS (SELECT 1 FROM aliases a
                WHERE a.domain_id = m.domain_id AND a.local_part = m.local_part AND a.active)
        UNION ALL
        SELECT m.local_part, ad.name, m.address
          FROM alias_domains ad JOIN domains d ON d.id = ad.target_domain_id
          JOIN mailboxes m ON m.domain_id = d.id
         WHERE ad.active AND d.active AND NOT EXISTS (SELECT 1 FROM aliases a
                WHERE a.domain_id = m.domain_id AND a.local_part = m.local_part AND a.active)
        UNION ALL
        SELECT a.local_part, ad.name, a.local_part || '@' || d.name
          FROM alias_domains ad JOIN domains d ON d.id = ad.target_domain_id
          JOIN aliases a ON a.domain_id = d.id
         WHERE ad.active AND d.active AND a.active AND a.local_part <> ''
        UNION ALL
        SELECT a.local_part, ad.name, t.target
          FROM alias_domains ad JOIN domains d ON d.id = ad.target_domain_id
          JOIN aliases a ON a.domain_id = d.id
          CROSS JOIN LATERAL unnest(a.targets) AS t(target)
         WHERE ad.active AND d.active AND a.active AND a.local_part = '';

      CREATE OR REPLACE VIEW postfix_transport AS
        SELECT m.address,
               CASE
                 WHEN NOT (m.active AND d.active) OR m.state IN ('suspended', 'deleting')
                   THEN 'error:5.2.1 mailbox disabled'
                 WHEN m.state = 'frozen' THEN 'retry:4.2.1 mailbox migration in progress'
                 WHEN m.state = 'provisioning' THEN 'retry:4.2.0 mailbox is being created'
                 WHEN b.state = 'down' THEN 'retry:4.3.2 mailbox backend down for maintenance'
                 ELSE 'lmtp:inet:' || b.lmtp_host || ':' || b.lmtp_port
               END AS transport
          FROM mailboxes m JOIN domains d ON d.id = m.domain_id JOIN backends b ON b.id = m.backend_id;

      CREATE OR REPLACE VIEW postfix_recipient_access AS
        SELECT m.address, '550 5.2.1 mailbox disabled'::text AS action, m.local_part, d.name AS domain
          FROM mailboxes m JOIN domains d ON d.id = m.domain_id
         WHERE NOT m.active OR m.state IN ('suspended', 'deleting')
        UNION ALL
        SELECT m.local_part || '@' || ad.name, '550 5.2.1 mailbox disabled', m.local_part, ad.name
          FROM alias_domains ad JOIN mailboxes m ON m.domain_id = ad.target_domain_id
         WHERE NOT m.active OR m.state IN ('suspended', 'deleting');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    // Columns cannot be dropped from a view with CREATE OR REPLACE: recreate the previous ones.
    await q.query(`
      DROP VIEW postfix_recipient_access;
      CREATE VIEW postfix_recipient_access AS
        SELECT m.address, '550 5.2.1 mailbox disabled'::text AS action
          FROM mailboxes m
         WHERE NOT m.active OR m.state IN ('suspended', 'deleting');

      CREATE OR REPLACE VIEW postfix_transport AS
        SELECT m.address,
               CASE
                 WHEN m.state = 'frozen' THEN 'retry:4.2.1 mailbox migration in progress'
                 WHEN m.state = 'provisioning' THEN 'retry:4.2.0 mailbox is being created'
                 WHEN b.state = 'down' THEN 'retry:4.3.2 mailbox backend down for maintenance'
                 ELSE 'lmtp:inet:' || b.lmtp_host || ':' || b.lmtp_port
               END AS transport
          FROM mailboxes m JOIN backends b ON b.id = m.backend_id
         WHERE m.active AND m.state NOT IN ('suspended', 'deleting');

      CREATE OR REPLACE VIEW postfix_aliases AS
        SELECT a.local_part, d.name AS domain, t.target
          FROM aliases a JOIN domains d ON d.id = a.domain_id
          CROSS JOIN LATERAL unnest(a.targets) AS t(target)
         WHERE a.active AND d.active
        UNION ALL
        SELECT m.local_part, m.domain, m.address
          FROM postfix_mailboxes m
         WHERE NOT EXISTS (SELECT 1 FROM aliases a JOIN domains d ON d.id = a.domain_id
                            WHERE d.name = m.domain AND a.local_part = m.local_part AND a.active)
        UNION ALL
        SELECT m.local_part, ad.name, m.local_part || '@' || d.name
          FROM alias_domains ad JOIN domains d ON d.id = ad.target_domain_id
          JOIN mailboxes m ON m.domain_id = d.id
         WHERE ad.active AND d.active AND m.active AND m.state NOT IN ('suspended', 'deleting')
        UNION ALL
        SELECT a.local_part, ad.name, a.local_part || '@' || d.name
          FROM alias_domains ad JOIN domains d ON d.id = ad.target_domain_id
          JOIN aliases a ON a.domain_id = d.id
         WHERE ad.active AND d.active AND a.active AND a.local_part <> ''
        UNION ALL
        SELECT a.local_part, ad.name, t.target
          FROM alias_domains ad JOIN domains d ON d.id = ad.target_domain_id
          JOIN aliases a ON a.domain_id = d.id
          CROSS JOIN LATERAL unnest(a.targets) AS t(target)
         WHERE ad.active AND d.active AND a.active AND a.local_part = '';
    `);
  }
}
