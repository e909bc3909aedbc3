import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The routing contract (DESIGN §3): one view per consumer, so the tables behind them can change
 * without touching the Postfix map files or the proxy. Each consumer runs one indexed query;
 * the exact queries live in deploy/postfix/*.cf and are tested with real `postmap -q`.
 */
export class CreateRoutingViews1763800000001 implements MigrationInterface {
  name = 'CreateRoutingViews1763800000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- virtual_mailbox_domains: active domains and active alias domains.
      CREATE VIEW postfix_domains AS
        SELECT d.name AS domain FROM domains d WHERE d.active
        UNION ALL
        SELECT ad.name FROM alias_domains ad JOIN domains d ON d.id = ad.target_domain_id
         WHERE ad.active AND d.active;

      -- Mailboxes that accept mail (a frozen mailbox still accepts; its transport defers).
      CREATE VIEW postfix_mailboxes AS
        SELECT m.address, m.local_part, d.name AS domain
          FROM mailboxes m JOIN domains d ON d.id = m.domain_id
         WHERE m.active AND d.active AND m.state NOT IN ('suspended', 'deleting');

      -- check_recipient_access: refuse disabled mailboxes at RCPT time, even under a catch-all.
      CREATE VIEW postfix_recipient_access AS
        SELECT m.address, '550 5.2.1 mailbox disabled'::text AS action
          FROM mailboxes m
         WHERE NOT m.active OR m.state IN ('suspended', 'deleting');

      -- virtual_alias_maps, keyed by (local_part, domain); local_part '' is the catch-all.
      -- 1. explicit aliases, one row per target;
      -- 2. identity rows for mailboxes, so a catch-all never swallows a real mailbox's mail
      --    (an explicit alias on a mailbox address replaces delivery: a forward);
      -- 3. alias domains: local@alias -> local@target for every mailbox and alias of the target,
      --    and the target's catch-all.
      CREATE VIEW postfix_aliases AS
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

      -- transport_maps: LMTP to the routed backend, or a deferring answer. Never 'defer:'
      -- (it is bounce(8), notes/routing.md §6.2).
      CREATE VIEW postfix_transport AS
        SELECT m.address,
               CASE
                 WHEN m.state = 'frozen' THEN 'retry:4.2.1 mailbox migration in progress'
                 WHEN m.state = 'provisioning' THEN 'retry:4.2.0 mailbox is being created'
                 WHEN b.state = 'down' THEN 'retry:4.3.2 mailbox backend down for maintenance'
                 ELSE 'lmtp:inet:' || b.lmtp_host || ':' || b.lmtp_port
               END AS transport
          FROM mailboxes m JOIN backends b ON b.id = m.backend_id
         WHERE m.active AND m.state NOT IN ('suspended', 'deleting');

      -- The IMAP/POP proxy's login lookup (nginx auth_http, served by Roost).
      CREATE VIEW proxy_logins AS
        SELECT m.id AS mailbox_id, m.address, m.password_hash, m.state,
               (m.active AND d.active) AS active,
               b.id AS backend_id, b.imap_host, b.imap_port, b.pop3_port, b.state AS backend_state
          FROM mailboxes m
          JOIN domains d ON d.id = m.domain_id
          JOIN backends b ON b.id = m.backend_id;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP VIEW proxy_logins, postfix_transport, postfix_aliases, postfix_recipient_access,
        postfix_mailboxes, postfix_domains;
    `);
  }
}
