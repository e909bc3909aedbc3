/**
 * Loop detection for virtual aliases, following Postfix's expansion as Roost's `postfix_aliases`
 * view defines it: an explicit alias wins, then a real mailbox (delivery), then the domain's
 * catch-all; an alias domain maps `local@alias` to `local@target` first.
 */

export interface AliasFacts {
  /** Active explicit aliases by address (catch-alls as `@domain`). */
  aliases: Map<string, string[]>;
  mailboxes: Set<string>;
  /** Active alias domain -> target domain. */
  aliasDomains: Map<string, string>;
}

/** Loads what the walk needs about these addresses (their aliases, mailboxes, domains' catch-alls). */
export type FactLoader = (addresses: string[]) => Promise<AliasFacts>;

export const MAX_ALIAS_DEPTH = 10;
const MAX_NODES = 2_000;

function split(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at < 0) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** The alias node (`address` or `@domain`) mail for `address` expands through, or null when it is delivered or leaves. */
export function nodeOf(
  address: string,
  facts: AliasFacts,
): { key: string; targets: string[] } | null {
  const parts = split(address);
  if (!parts) return null;
  const local = parts.local;
  let domain = parts.domain;
  const mapped = facts.aliasDomains.get(domain);
  if (mapped) {
    domain = mapped;
    address = `${local}@${domain}`;
  }
  const explicit = local === '' ? undefined : facts.aliases.get(address);
  if (explicit) {
    // `a@x -> a@x, b@y` keeps a copy in the mailbox: the self target is a delivery.
    const targets = facts.mailboxes.has(address) ? explicit.filter((t) => t !== address) : explicit;
    return { key: address, targets };
  }
  if (local !== '' && facts.mailboxes.has(address)) return null;
  const catchAll = facts.aliases.get(`@${domain}`);
  if (catchAll) return { key: `@${domain}`, targets: catchAll };
  return null;
}

function merge(into: AliasFacts, more: AliasFacts): void {
  for (const [k, v] of more.aliases) if (!into.aliases.has(k)) into.aliases.set(k, v);
  for (const m of more.mailboxes) into.mailboxes.add(m);
  for (const [k, v] of more.aliasDomains) into.aliasDomains.set(k, v);
}

/**
 * Why saving alias `key` with `targets` would make a loop or a chain too deep, or null.
 * `key` is the alias address, or `@domain` for a catch-all.
 */
export async function aliasLoop(
  key: string,
  targets: string[],
  load: FactLoader,
): Promise<string | null> {
  const facts: AliasFacts = { aliases: new Map(), mailboxes: new Set(), aliasDomains: new Map() };
  const loaded = new Set<string>();
  const ensure = async (addresses: string[]) => {
    const fresh = addresses.filter((a) => !loaded.has(a));
    if (fresh.length === 0) return;
    fresh.forEach((a) => loaded.add(a));
    merge(facts, await load(fresh));
    // The alias being saved overrides what the database says about it.
    facts.aliases.set(key, targets);
    // Mapped addresses (alias domains) need their own facts too.
    const mapped = fresh
      .map((a) => split(a))
      .filter(
        (p): p is { local: string; domain: string } =>
          p !== null && facts.aliasDomains.has(p.domain),
      )
      .map((p) => `${p.local}@${facts.aliasDomains.get(p.domain)}`)
      .filter((a) => !loaded.has(a));
    if (mapped.length) await ensure(mapped);
  };

  await ensure([key.startsWith('@') ? `x@${key.slice(1)}` : key, ...targets]);
  const self = nodeOf(key.startsWith('@') ? '' : key, facts);
  const startTargets = self && self.key === key ? self.targets : targets;

  const visited = new Set<string>([key]);
  let frontier = startTargets;
  for (let depth = 1; frontier.length > 0; depth++) {
    if (depth > MAX_ALIAS_DEPTH) return `makes an alias chain deeper than ${MAX_ALIAS_DEPTH}`;
    await ensure(frontier);
    const next: string[] = [];
    for (const target of frontier) {
      const node = nodeOf(target, facts);
      if (!node) continue;
      if (node.key === key) return `makes a loop through ${target}`;
      if (visited.has(node.key)) continue;
      visited.add(node.key);
      if (visited.size > MAX_NODES) return 'expands to too many aliases';
      next.push(...node.targets);
    }
    frontier = [...new Set(next)];
  }
  return null;
}
