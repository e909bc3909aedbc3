import { Client } from 'pg';

/** What the relays and proxies may read: the routing views and the lookup functions, nothing else. */
export const ROUTING_VIEWS = [
  'postfix_domains',
  'postfix_mailboxes',
  'postfix_aliases',
  'postfix_transport',
  'postfix_recipient_access',
];
export const ROUTING_FUNCTIONS = ['postfix_alias_targets(text)', 'postfix_transport_for(text)'];

/**
 * Creates (or updates the password of) the read-only login role that Postfix's pgsql: maps use.
 * Run after the migrations; safe to run again.
 */
export async function ensureRoutingRole(
  url: string,
  role: string,
  password: string,
): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`invalid role name '${role}'`);
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    const verb = exists.rowCount ? 'ALTER' : 'CREATE';
    await c.query(`${verb} ROLE ${role} LOGIN PASSWORD ${c.escapeLiteral(password)}`);
    await c.query(`GRANT SELECT ON ${ROUTING_VIEWS.join(', ')} TO ${role}`);
    await c.query(`GRANT EXECUTE ON FUNCTION ${ROUTING_FUNCTIONS.join(', ')} TO ${role}`);
  } finally {
    await c.end();
  }
}
