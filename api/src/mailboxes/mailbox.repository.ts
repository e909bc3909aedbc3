import { Injectable } from '@nestjs/common';
import { MailboxState } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import {
  cappedTotal,
  EXACT_COUNT_CAP,
  JsonPage,
  JsonPageQuery,
  jsonPageWithCount,
} from '../common/count';
import { ListQuery } from '../common/list-query';
import { likePrefix, prefixRange, preparedName, sql } from '../common/sql';

export interface MailboxRow {
  id: number;
  domainId: number;
  localPart: string;
  address: string;
  displayName: string;
  passwordMustChange: boolean;
  active: boolean;
  quotaBytes: number;
  usedBytes: number;
  usedSyncedAt: Date | null;
  /** The routing entry: read-only here, changed only by moves. */
  backendId: number;
  pinned: boolean;
  state: MailboxState;
  stateReason: string | null;
  lastLoginAt: Date | null;
  deleteAfter: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewMailbox {
  domainId: number;
  localPart: string;
  address: string;
  displayName: string;
  passwordHash: string;
  passwordMustChange: boolean;
  quotaBytes: number;
  backendId: number;
  pinned: boolean;
}

export const MAILBOX_SORT = ['id', 'address'] as const;
export const MAILBOX_FILTERS = {
  /** Address prefix (the local part within one domain): the lists' search, one index range. */
  q: 'prefix',
  /** Address prefix or name (the support search box): reads every name match, so it costs more. */
  search: 'search',
  id: 'ids',
  domainId: 'int',
  backendId: 'int',
  state: { enum: Object.values(MailboxState) },
  active: 'bool',
  overQuotaPercent: 'number',
} as const;

export type MailboxListQuery = ListQuery<(typeof MAILBOX_SORT)[number], typeof MAILBOX_FILTERS>;

export const MAILBOX_COLUMNS = `m.id, m.domain_id AS "domainId", m.local_part AS "localPart", m.address,
  m.display_name AS "displayName", m.password_must_change AS "passwordMustChange", m.active,
  m.quota_bytes AS "quotaBytes", m.used_bytes AS "usedBytes", m.used_synced_at AS "usedSyncedAt",
  m.backend_id AS "backendId", m.pinned, m.state, m.state_reason AS "stateReason",
  m.last_login_at AS "lastLoginAt", m.delete_after AS "deleteAfter", m.created_at AS "createdAt",
  m.updated_at AS "updatedAt"`;

/** Timestamps rendered by PostgreSQL as the JSON the API sends (no Date parsing per cell). */
const iso = (column: string, alias: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "${alias}"`;

/** The list's columns: as MAILBOX_COLUMNS, with the timestamps already as ISO strings. */
const LIST_COLUMNS = `m.id, m.domain_id AS "domainId", m.local_part AS "localPart", m.address,
  m.display_name AS "displayName", m.password_must_change AS "passwordMustChange", m.active,
  m.quota_bytes AS "quotaBytes", m.used_bytes AS "usedBytes", ${iso('m.used_synced_at', 'usedSyncedAt')},
  m.backend_id AS "backendId", m.pinned, m.state, m.state_reason AS "stateReason",
  ${iso('m.last_login_at', 'lastLoginAt')}, ${iso('m.delete_after', 'deleteAfter')},
  ${iso('m.created_at', 'createdAt')}, ${iso('m.updated_at', 'updatedAt')}`;

/**
 * The words of a search as a prefix query on the name's words (`'john':* & 'sm':*`), or null
 * when they hold fewer than NAME_WORDS_MIN_LENGTH letters or digits. Split like PostgreSQL's
 * parser splits a name in the common cases (letters and digits between spaces and
 * punctuation); the whole-name prefix covers the rest.
 */
export function nameWordsQuery(q: string): string | null {
  const words = q.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.join('').length < NAME_WORDS_MIN_LENGTH) return null;
  return words.map((w) => `'${w}':*`).join(' & ');
}

/**
 * Words of a name are matched from 3 letters: the GIN index expands a prefix to every word of
 * the fleet that starts with it before it narrows to a domain, and 2 letters ("jo", "ma")
 * expand to a twentieth of all names (~20 ms per search at 1,000,000 mailboxes, more than the
 * rest of the search). The whole name and the address match from 2.
 */
export const NAME_WORDS_MIN_LENGTH = 3;

/** Below this many characters `q` is an address prefix only (one letter matches 1 in 20 names). */
export const NAME_SEARCH_MIN_LENGTH = 2;

/**
 * Up to this many matches (the exact part of the capped count), a name search collects and
 * sorts all its matches: at most this many rows read. Above it, the page merges the address
 * matches read in order with the sorted name matches (see nameSearchPage).
 */
export const NAME_SEARCH_SORT_LIMIT = EXACT_COUNT_CAP;

/**
 * A search: an address prefix (the local part within one domain) and, for `search` (not `q`)
 * from 2 characters on and without an `@`, a case-insensitive prefix of the display name or of
 * any word of it. Each branch has an index (led by domain_id when scoped), so PostgreSQL combines
 * them with a BitmapOr; `names` says whether the name branches are in. Within a set of domains
 * the address branch is the local part on (domain_id, local_part) too (the same test without an
 * `@`), so it reads only the scope's matches rather than the whole fleet's.
 */
function searchTerm(
  q: string,
  scope: 'one' | 'some' | 'all',
  params: unknown[],
  withNames: boolean,
): { address: string; names: string | null } {
  const pattern = `$${params.push(likePrefix(q))}`;
  const names = withNames && !q.includes('@') && q.length >= NAME_SEARCH_MIN_LENGTH;
  const byLocalPart = !q.includes('@') && (scope === 'one' || (scope === 'some' && names));
  const address = `${byLocalPart ? 'm.local_part' : 'm.address'} LIKE ${pattern}`;
  if (!names) return { address, names: null };
  const branches = [`lower(m.display_name) LIKE ${pattern}`];
  const words = nameWordsQuery(q);
  if (words !== null)
    branches.push(
      `to_tsvector('simple'::regconfig, m.display_name) @@ to_tsquery('simple'::regconfig, $${params.push(words)})`,
    );
  return { address, names: `(${branches.join(' OR ')})` };
}

/** A mailbox change returns the row and a version (updated_at in µs) that names the job for it. */
export interface Versioned {
  row: MailboxRow;
  version: number;
}

@Injectable()
export class MailboxRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * The list, index-friendly for 1,000,000 rows: within one domain the (domain_id, local_part)
   * index serves filter, prefix search and order; across domains the address index does.
   * `scope` null means every domain.
   */
  async list(scope: number[] | null, q: MailboxListQuery): Promise<JsonPage> {
    const f = q.filter;
    let domainId = f.domainId;
    if (scope && domainId !== undefined && !scope.includes(domainId))
      return { json: '[]', count: 0, offset: q.offset, total: 0 };
    if (scope && scope.length === 1 && domainId === undefined) domainId = scope[0];
    if (scope && scope.length === 0) return { json: '[]', count: 0, offset: q.offset, total: 0 };

    const where: string[] = [];
    const params: unknown[] = [];
    if (domainId !== undefined) where.push(`m.domain_id = $${params.push(domainId)}`);
    else if (scope) where.push(`m.domain_id = ANY($${params.push(scope)}::int[])`);
    const scopeKind = domainId !== undefined ? 'one' : scope ? 'some' : 'all';
    if (f.q !== undefined && f.q !== '')
      where.push(searchTerm(f.q, scopeKind, params, false).address);
    let search: { address: string; names: string | null } | undefined;
    if (f.search !== undefined && f.search !== '') {
      search = searchTerm(f.search, scopeKind, params, true);
      if (search.names === null) where.push(search.address);
    }
    if (f.id) where.push(`m.id = ANY($${params.push(f.id)}::bigint[])`);
    if (f.backendId !== undefined) where.push(`m.backend_id = $${params.push(f.backendId)}`);
    if (f.state !== undefined) where.push(`m.state = $${params.push(f.state)}`);
    if (f.active !== undefined) where.push(`m.active = $${params.push(f.active)}`);
    if (f.overQuotaPercent !== undefined)
      where.push(
        `m.quota_bytes > 0 AND m.used_bytes * 100 >= m.quota_bytes * $${params.push(f.overQuotaPercent)}::numeric`,
      );

    const whereOf = (terms: string[]) =>
      `FROM mailboxes m ${terms.length ? `WHERE ${terms.join(' AND ')}` : ''}`;
    const nameSearch = search?.names ? search : undefined;
    const fromWhere = whereOf(
      nameSearch ? [...where, `(${nameSearch.address} OR ${nameSearch.names})`] : where,
    );
    const byLocalPart = domainId !== undefined;
    const column = q.sort === 'id' ? 'id' : byLocalPart ? 'local_part' : 'address';
    const alias = q.sort === 'id' ? 'id' : byLocalPart ? '"localPart"' : 'address';
    const page = {
      columns: LIST_COLUMNS,
      fromWhere,
      order: `m.${column} ${q.order}`,
      aggOrder: `x.${alias} ${q.order}`,
      params,
      limit: q.limit,
      offset: q.offset,
    };
    const hot =
      (scopeKind === 'one' || scopeKind === 'all') &&
      q.sort !== 'id' &&
      !f.q?.includes('@') &&
      !search &&
      where.length === (scopeKind === 'one' ? 1 : 0) + (f.q ? 1 : 0);
    if (hot) return this.hotPage(domainId, f.q || undefined, q, page);
    if (!nameSearch?.names) return jsonPageWithCount(this.ds.manager, page);
    return this.nameSearchPage(page, {
      byAddress: whereOf([...where, nameSearch.address]),
      byName: whereOf([...where, nameSearch.names]),
    });
  }

  /**
   * The console's hot lists: one domain or every domain, by address, with or without an address
   * prefix (the api-list benchmark). One plan suits every value here, so the statement is
   * prepared (planned once per connection: a third of its cost). The page walks the index from
   * the prefix and keeps the rows below its end: given both ends, the planner misjudged common
   * prefixes (45 rows estimated for 'ste', 5,622 found) and sorted a bitmap scan (65 ms). The
   * count reads the range up to the cap; above it, the estimate comes from `estimate` (LIKE,
   * which the planner judges better).
   */
  private async hotPage(
    domainId: number | undefined,
    prefix: string | undefined,
    q: MailboxListQuery,
    estimate: { fromWhere: string; params: unknown[] },
  ): Promise<JsonPage> {
    const params: unknown[] = [];
    const scope = domainId === undefined ? [] : [`m.domain_id = $${params.push(domainId)}`];
    const column = domainId === undefined ? 'address' : 'local_part';
    const alias = domainId === undefined ? 'address' : '"localPart"';
    const asc = q.order === 'ASC';
    let range = scope;
    let walk = scope;
    let keep = 'true';
    if (prefix) {
      const [from, to] = prefixRange(prefix).map((v) => `$${params.push(v)}`);
      range = [...scope, `m.${column} >= ${from}`, `m.${column} < ${to}`];
      walk = [...scope, asc ? `m.${column} >= ${from}` : `m.${column} < ${to}`];
      keep = asc ? `w.${alias} < ${to}` : `w.${alias} >= ${from}`;
    }
    const where = (terms: string[]) => (terms.length ? `WHERE ${terms.join(' AND ')}` : '');
    const limit = `$${params.push(q.limit)}::int`;
    const offset = `$${params.push(q.offset)}::int`;
    const text = `SELECT c.n AS total, p.json, p.count
       FROM (SELECT count(*)::int AS n
               FROM (SELECT 1 FROM mailboxes m ${where(range)} LIMIT ${EXACT_COUNT_CAP + 1}) t) c
      CROSS JOIN LATERAL (
        SELECT json_agg(x ORDER BY x.${alias} ${q.order})::text AS json, count(*)::int AS count
          FROM (SELECT * FROM (SELECT ${LIST_COLUMNS} FROM mailboxes m ${where(walk)}
                                ORDER BY m.${column} ${q.order} LIMIT ${limit} + ${offset}) w
                 WHERE ${keep} ORDER BY w.${alias} ${q.order} OFFSET ${offset}) x
      ) p`;
    const em = this.ds.manager;
    const { rows } = await sql<{ total: number; json: string | null; count: number }>(
      em,
      text,
      params,
      preparedName(text),
    );
    const row = rows[0];
    const total = await cappedTotal(em, row.total, estimate);
    return { json: row.json ?? '[]', count: row.count, offset: q.offset, total };
  }

  /**
   * A page of a search that includes names. Name matches do not come in address order, and
   * walking the address (local part) index while testing each row can read a large part of the
   * fleet: addresses are made from names, so a name's matches cluster where its addresses sort
   * (PostgreSQL assumes them spread evenly). So a walk is never left to the planner:
   *   - up to NAME_SEARCH_SORT_LIMIT matches (the capped count), they are collected through
   *     the indexes (BitmapOr) and sorted; the MATERIALIZED CTE keeps the walk out;
   *   - above it, the page is the first rows of two sorted sets: the address matches, read in
   *     order from the address (local part) index up to the page's end, and the name matches,
   *     collected through the name indexes and sorted (one row read per name match).
   */
  private async nameSearchPage(
    page: JsonPageQuery,
    branches: { byAddress: string; byName: string },
  ): Promise<JsonPage> {
    const em = this.ds.manager;
    // Capped like every list total, counted per branch (each through its own index, at most
    // EXACT_COUNT_CAP + 1 rows each), so a dense prefix never turns into a sequential scan.
    const cap = EXACT_COUNT_CAP + 1;
    const { rows: counted } = await sql<{ n: number }>(
      em,
      `SELECT count(*)::int AS n FROM ((SELECT m.id ${branches.byAddress} LIMIT ${cap})
                                      UNION (SELECT m.id ${branches.byName} LIMIT ${cap})) t`,
      page.params,
    );
    const total = await cappedTotal(em, counted[0].n, page);
    const params = [...page.params];
    const limit = `$${params.push(page.limit)}`;
    const offset = `$${params.push(page.offset)}`;
    const end = () => `$${params.push(page.offset + page.limit)}`;
    const matches =
      total <= NAME_SEARCH_SORT_LIMIT
        ? `(SELECT m.* ${page.fromWhere})`
        : `((SELECT m.* ${branches.byAddress} ORDER BY ${page.order} LIMIT ${end()})
            UNION
            (SELECT m.* FROM (SELECT m.* ${branches.byName} OFFSET 0) m ORDER BY ${page.order} LIMIT ${end()}))`;
    const { rows } = await sql<{ json: string | null; count: number }>(
      em,
      `WITH m AS MATERIALIZED ${matches}
       SELECT json_agg(x ORDER BY ${page.aggOrder})::text AS json, count(*)::int AS count
         FROM (SELECT ${page.columns} FROM m ORDER BY ${page.order} LIMIT ${limit} OFFSET ${offset}) x`,
      params,
    );
    return { json: rows[0].json ?? '[]', count: rows[0].count, offset: page.offset, total };
  }

  async findById(
    id: number,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<MailboxRow | null> {
    const { rows } = await sql<MailboxRow>(
      em,
      `SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE m.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async findByAddress(
    address: string,
    em: EntityManager = this.ds.manager,
    lock = false,
  ): Promise<MailboxRow | null> {
    const { rows } = await sql<MailboxRow>(
      em,
      `SELECT ${MAILBOX_COLUMNS} FROM mailboxes m WHERE m.address = $1${lock ? ' FOR UPDATE' : ''}`,
      [address],
    );
    return rows[0] ?? null;
  }

  async passwordHash(id: number, em: EntityManager = this.ds.manager): Promise<string | null> {
    const { rows } = await sql<{ h: string }>(
      em,
      `SELECT password_hash AS h FROM mailboxes WHERE id = $1`,
      [id],
    );
    return rows[0]?.h ?? null;
  }

  async existingAddresses(
    addresses: string[],
    em: EntityManager = this.ds.manager,
  ): Promise<Set<string>> {
    const { rows } = await sql<{ address: string }>(
      em,
      `SELECT address FROM mailboxes WHERE address = ANY($1::text[])`,
      [addresses],
    );
    return new Set(rows.map((r) => r.address));
  }

  /** Inserts many mailboxes in one statement; returns their ids in input order. */
  async insertMany(em: EntityManager, list: NewMailbox[]): Promise<number[]> {
    if (list.length === 0) return [];
    const col = <K extends keyof NewMailbox>(k: K) => list.map((m) => m[k]);
    const { rows } = await sql<{ id: number; address: string }>(
      em,
      `INSERT INTO mailboxes (domain_id, local_part, address, display_name, password_hash, password_must_change,
                              quota_bytes, backend_id, pinned, state)
       SELECT domain_id, local_part, address, display_name, password_hash, must_change, quota, backend_id, pinned, 'provisioning'
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::bigint[], $8::int[], $9::bool[])
              WITH ORDINALITY AS t(domain_id, local_part, address, display_name, password_hash, must_change, quota, backend_id, pinned, ord)
        ORDER BY ord
       RETURNING id, address`,
      [
        col('domainId'),
        col('localPart'),
        col('address'),
        col('displayName'),
        col('passwordHash'),
        col('passwordMustChange'),
        col('quotaBytes'),
        col('backendId'),
        col('pinned'),
      ],
    );
    const byAddress = new Map(rows.map((r) => [r.address, r.id]));
    return list.map((m) => byAddress.get(m.address)!);
  }

  /** Applies column changes and bumps updated_at; returns the new row and its version. */
  async change(em: EntityManager, id: number, sets: Record<string, unknown>): Promise<Versioned> {
    const parts: string[] = [];
    const params: unknown[] = [id];
    for (const [column, value] of Object.entries(sets)) {
      if (value === undefined) continue;
      if (typeof value === 'object' && value !== null && 'sql' in value)
        parts.push(`${column} = ${(value as { sql: string }).sql}`);
      else parts.push(`${column} = $${params.push(value)}`);
    }
    const { rows } = await sql<{ v: string }>(
      em,
      `UPDATE mailboxes SET ${[...parts, 'updated_at = clock_timestamp()'].join(', ')} WHERE id = $1
       RETURNING (extract(epoch FROM updated_at) * 1000000)::bigint AS v`,
      params,
    );
    const row = (await this.findById(id, em))!;
    return { row, version: Number(rows[0].v) };
  }
}
