import { Client } from 'pg';

/** What the relays and proxies may read: the routing views and the lookup functions, nothing else. */
export const ROUTING_VIEWS = [
  'postfix_domains',
  'postfix_mailboxes',
  'postfix_aliases',
  'postfix_transport',
  'postfix_recipient_access',
] as const;
export const ROUTING_FUNCTIONS = ['postfix_alias_targets(text)', 'postfix_transport_for(text)'];

/**
 * Creates (or updates the password of) the read-only login role that Postfix's pgsql: maps use,
 * through `c`, a superuser connection to the Roost database. Safe to run again; refuses a role
 * that is a superuser, so a relay never connects as one.
 */
export async function grantRoutingRole(c: Client, role: string, password: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
    throw new Error(`routing role name ${JSON.stringify(role)} must match [a-z_][a-z0-9_]{0,62}`);
  }
  const name = c.escapeIdentifier(role);
  const existing = await c.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
    'SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1',
    [role],
  );
  if (existing.rows.some((r) => r.rolsuper || r.rolbypassrls)) {
    throw new Error(`role ${role} exists and is a superuser (or bypasses RLS); refusing to use it`);
  }
  if (existing.rows.length === 0) {
    try {
      await c.query(
        `CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
      );
    } catch (err) {
      // Another process created it between the check and here.
      if ((err as { code?: string }).code !== '42710') throw err;
    }
  }
  const db = (await c.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
  await c.query(`ALTER ROLE ${name} LOGIN PASSWORD ${c.escapeLiteral(password)}`);
  await c.query(`GRANT CONNECT ON DATABASE ${c.escapeIdentifier(db)} TO ${name}`);
  await c.query(`GRANT USAGE ON SCHEMA public TO ${name}`);
  await c.query(`GRANT SELECT ON ${ROUTING_VIEWS.join(', ')} TO ${name}`);
  await c.query(`GRANT EXECUTE ON FUNCTION ${ROUTING_FUNCTIONS.join(', ')} TO ${name}`);
}

/** `grantRoutingRole` over a connection of its own to `url`. */
export async function ensureRoutingRole(
  url: string,
  role: string,
  password: string,
): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await grantRoutingRole(c, role, password);
  } finally {
    await c.end();
  }
}
