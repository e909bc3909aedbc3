import { Client } from 'pg';
import { timed } from './benchmark';

export interface DatasetOptions {
  mailboxes: number;
  domains: number;
  backends: number;
  /** Alias rows in total, including postmaster@/abuse@ of every domain and the catch-alls. Default mailboxes / 10. */
  aliases?: number;
  /** Domains with a catch-all alias. Default domains / 10. */
  catchAlls?: number;
  /** Alias domains (alias_domains rows). Default domains / 20. */
  aliasDomains?: number;
  /** setseed() value in [-1, 1]: the same options and seed give the same data. */
  seed?: number;
  progress?: (message: string) => void;
}

export interface DatasetStats {
  totalMs: number;
  steps: { step: string; ms: number }[];
  rows: Record<string, number>;
}

/** Any constant argon2id PHC string will do for bulk rows: nobody logs in to them. */
export const BENCH_PASSWORD_HASH =
  '$argon2id$v=19$m=65536,t=3,p=4$cm9vc3RiZW5jaHNhbHQ$Wm9vQmVuY2hIYXNoRm9yT25lTWlsbGlvbk1haWxib3hlcw';

// Broad spread of initials (including a few 'ab' names) so that a prefix search is meaningful.
const FIRST_NAMES = `abigail abraham abel adam adrian aisha alan albert alex alice amanda amelia ana
  andrea andrew anna anthony arthur barbara ben bernard beth brian bruno carla carlos caroline charles
  chloe chris claire daniel david deborah diana dominic edward elena elias emily emma eric eva fatima
  felix fiona francis gabriel george grace hannah harry helen henry hugo ian ingrid irene isaac isabel
  jack jacob james jane jason jessica joan john jonas jose julia karen kevin laura lea leo linda lucas
  lucy luis maria mark martin mary matteo michael mohammed nadia nathan nina noah olga oliver omar
  oscar pablo patrick paul peter rachel rebecca richard robert rosa ryan samuel sara sophie stefan
  susan thomas tim ursula victor wei william xavier yasmin yusuf zoe`.split(/\s+/);
const LAST_NAMES = `abbott abe acosta adams ahmed alvarez anderson bailey baker becker bell bernard
  brown campbell carter castro chen clark collins cooper costa cruz davies diaz dubois edwards evans
  fischer fernandez fontaine garcia gomez green hall hansen harris hoffmann hughes ito jackson jansen
  johnson jones kaur kelly khan kim klein kowalski kumar lambert larsen lee lewis lopez martin
  martinez meyer miller moore morales muller murphy nguyen nielsen novak oconnor olsen ortiz park
  patel perez petrov quinn ramos reyes richter roberts rossi russo sanchez santos schmidt schneider
  silva singh smith suzuki taylor thomas turner vargas wagner walker wang weber white williams
  wilson wong wright xu young zhang ziegler`.split(/\s+/);
const ROLES = `info sales support office billing contact admin hr jobs marketing press accounts help
  team booking orders noreply webmaster events service`.split(/\s+/);
const GROUPS =
  `sales support dev ops hr finance legal marketing board team project it security office
  research design qa staff all news`.split(/\s+/);
const QUALIFIERS =
  `emea apac berlin paris london nyc tokyo north south internal leads core web mobile
  infra alerts weekly review oncall interns`.split(/\s+/);
const DOMAIN_WORDS = `acme globex initech umbrella stark wayne wonka tyrell cyberdyne hooli vandelay
  soylent aperture blackmesa gringotts monarch oceanic massive dunder northwind`.split(/\s+/);
const TLDS = ['example', 'test', 'example.com', 'example.net', 'example.org'];
const EXTERNAL_DOMAIN = 'mail.external.example';

const GIB = 1024 ** 3;
const CHUNK_ROWS = 100_000;

/**
 * Loads a generated data set into a migrated, empty database with set-based SQL
 * (INSERT ... SELECT generate_series), then VACUUM ANALYZE.
 *
 * Shape: domain sizes are skewed (the largest domain holds ~6% of the mailboxes, the smallest a few
 * hundred), local parts follow real patterns (john.smith, jsmith, john_smith, john7, info, ...;
 * a repeat in a domain gets a number), quotas 1-50 GiB with used bytes mostly well below them,
 * ~97% of mailboxes active and the rest frozen, suspended, provisioning, moving or in error.
 * Aliases: postmaster@ and abuse@ of every domain, catch-alls, team lists with 2-6 targets,
 * forwards (a quarter of them to outside addresses) and role aliases; a few alias domains.
 */
export async function loadDataset(url: string, opts: DatasetOptions): Promise<DatasetStats> {
  const progress = opts.progress ?? (() => undefined);
  const mailboxes = Math.floor(opts.mailboxes);
  const domains = Math.max(1, Math.floor(opts.domains));
  const backends = Math.max(1, Math.floor(opts.backends));
  const aliases = Math.floor(opts.aliases ?? mailboxes / 10);
  const catchAlls = Math.min(domains, Math.floor(opts.catchAlls ?? domains / 10));
  const aliasDomains = Math.floor(opts.aliasDomains ?? domains / 20);
  const generatedAliases = Math.max(0, aliases - 2 * domains - catchAlls);

  const client = new Client({ connectionString: url });
  await client.connect();
  const steps: { step: string; ms: number }[] = [];
  const step = async (label: string, fn: () => Promise<unknown>): Promise<void> => {
    const { ms } = await timed((m) => progress(`dataset: ${m}`), label, fn);
    steps.push({ step: label, ms });
  };
  const start = performance.now();
  try {
    // One session: temp tables live in it. Nothing here needs to survive a crash until the end.
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET work_mem = '128MB'`);
    await client.query(`SET temp_buffers = '256MB'`);
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await client.query(`SELECT setseed($1)`, [opts.seed ?? 0.42]);

    await step(`backends (${backends})`, () =>
      client.query(
        `INSERT INTO backends (id, name, imap_host, imap_port, pop3_port, lmtp_host, lmtp_port,
                               sieve_port, admin_secret_ref, tls_mode, capacity_bytes,
                               capacity_mailboxes, weight, state, health)
         SELECT g, format('imap%s', lpad(g::text, 2, '0')),
                format('10.20.%s.%s', g / 250, g % 250 + 1), 143, 110,
                format('10.20.%s.%s', g / 250, g % 250 + 1), 24, 4190,
                'env:ROOST_CYRUS_ADMIN_PASSWORD', 'starttls', 20 * 1024::bigint * $3::bigint,
                greatest(1000, 3 * $2::int / $1::int), 100,
                CASE WHEN g = $1 AND $1 > 2 THEN 'draining' ELSE 'active' END, 'up'
           FROM generate_series(1, $1::int) g`,
        [backends, mailboxes, GIB],
      ),
    );

    await step(`domains (${domains})`, () =>
      client.query(
        `INSERT INTO domains (id, name, active, default_quota_bytes)
         SELECT g, format('%s%s.%s', ($2::text[])[1 + g % cardinality($2::text[])], g,
                          ($3::text[])[1 + (g / cardinality($2::text[])) % cardinality($3::text[])]),
                random() > 0.01, $4::bigint
           FROM generate_series(1, $1::int) g`,
        [domains, DOMAIN_WORDS, TLDS, GIB],
      ),
    );

    await step(`alias domains (${aliasDomains})`, () =>
      client.query(
        `INSERT INTO alias_domains (id, name, target_domain_id)
         SELECT g, format('alias%s.%s', g, ($3::text[])[1 + g % cardinality($3::text[])]),
                1 + floor($2::int * random())::int
           FROM generate_series(1, $1::int) g`,
        [aliasDomains, domains, TLDS],
      ),
    );

    // Staging: every mailbox row with its unique local part (a repeated base gets 2, 3, ... which
    // cannot collide with another base, since every base ends in a letter), and its rank within
    // its domain, which the alias step uses to pick random targets in the same domain.
    await step(`stage ${mailboxes} mailboxes`, async () => {
      await client.query(
        `CREATE TEMP TABLE stage_mailboxes AS
         WITH raw AS (
           SELECT g AS i,
                  1 + floor($2::int * power(random(), 2.5))::int AS domain_id,
                  random() AS p,
                  ($3::text[])[1 + floor(random() * cardinality($3::text[]))::int] AS f,
                  ($4::text[])[1 + floor(random() * cardinality($4::text[]))::int] AS l,
                  ($5::text[])[1 + floor(random() * cardinality($5::text[]))::int] AS role,
                  random() AS q, random() AS s
             FROM generate_series(1, $1::int) g
         ), based AS (
           SELECT i, domain_id, f, l, role, p, s,
                  CASE WHEN q < 0.55 THEN 1 WHEN q < 0.80 THEN 2 WHEN q < 0.92 THEN 5
                       WHEN q < 0.98 THEN 10 ELSE 50 END * $7::bigint AS quota_bytes,
                  CASE WHEN p < 0.35 THEN f || '.' || l
                       WHEN p < 0.50 THEN left(f, 1) || l
                       WHEN p < 0.60 THEN f || '_' || l
                       WHEN p < 0.70 THEN f
                       WHEN p < 0.78 THEN f || left(l, 1)
                       WHEN p < 0.85 THEN l || '.' || f
                       WHEN p < 0.90 THEN f || '-' || l
                       WHEN p < 0.97 THEN left(f, 1) || '.' || l
                       ELSE role END AS base
             FROM raw
         ), numbered AS (
           SELECT b.*, row_number() OVER (PARTITION BY domain_id, base ORDER BY i) AS n
             FROM based b
         )
         SELECT n.i, n.domain_id,
                n.base || CASE WHEN n.n > 1 THEN n.n::text ELSE '' END AS local_part,
                n.base || CASE WHEN n.n > 1 THEN n.n::text ELSE '' END || '@' || d.name AS address,
                CASE WHEN n.p >= 0.97 THEN initcap(n.role)
                     WHEN random() < 0.1 THEN ''
                     ELSE initcap(n.f) || ' ' || initcap(n.l) END AS display_name,
                n.quota_bytes,
                CASE WHEN random() < 0.01 THEN n.quota_bytes + floor(random() * n.quota_bytes * 0.05)
                     ELSE floor(n.quota_bytes * power(random(), 2)) END::bigint AS used_bytes,
                1 + floor($6::int * random())::int AS backend_id,
                CASE WHEN n.s < 0.005 THEN 'frozen' WHEN n.s < 0.020 THEN 'suspended'
                     WHEN n.s < 0.023 THEN 'provisioning' WHEN n.s < 0.025 THEN 'moving'
                     WHEN n.s < 0.026 THEN 'error' ELSE 'active' END AS state,
                random() > 0.01 AS active,
                now() - random() * interval '8 years' AS created_at,
                CASE WHEN random() < 0.05 THEN NULL
                     ELSE now() - power(random(), 3) * interval '90 days' END AS last_login_at
           FROM numbered n
           JOIN domains d ON d.id = n.domain_id`,
        [mailboxes, domains, FIRST_NAMES, LAST_NAMES, ROLES, backends, GIB],
      );
      await client.query(`CREATE INDEX ON stage_mailboxes (i)`);
      await client.query(`CREATE INDEX ON stage_mailboxes (domain_id, i)`);
      await client.query(`ANALYZE stage_mailboxes`);
    });

    // Inserted in creation order (i), so domains interleave on disk as they do in production.
    await step(`insert ${mailboxes} mailboxes`, async () => {
      for (let lo = 1; lo <= mailboxes; lo += CHUNK_ROWS) {
        const hi = Math.min(mailboxes, lo + CHUNK_ROWS - 1);
        await client.query(
          `INSERT INTO mailboxes (id, domain_id, local_part, address, display_name, password_hash,
                                  active, quota_bytes, used_bytes, used_synced_at, backend_id, state,
                                  state_reason, last_login_at, created_at, updated_at)
           SELECT i, domain_id, local_part, address, display_name, $3, active, quota_bytes,
                  used_bytes, now() - random() * interval '1 day', backend_id, state,
                  CASE state WHEN 'suspended' THEN 'unpaid invoice' WHEN 'error' THEN 'bench' END,
                  last_login_at, created_at, greatest(created_at, last_login_at)
             FROM stage_mailboxes WHERE i BETWEEN $1 AND $2 ORDER BY i`,
          [lo, hi, BENCH_PASSWORD_HASH],
        );
        progress(`dataset: mailboxes ${hi.toLocaleString('en')}/${mailboxes.toLocaleString('en')}`);
      }
    });

    await step(`aliases (${aliases})`, async () => {
      await client.query(
        `CREATE TEMP TABLE stage_domain_sizes AS
         SELECT d.id AS domain_id, count(s.i)::int AS n
           FROM domains d LEFT JOIN stage_mailboxes s ON s.domain_id = d.id GROUP BY d.id`,
      );
      await client.query(
        `CREATE TEMP TABLE stage_domain_members AS
         SELECT domain_id, row_number() OVER (PARTITION BY domain_id ORDER BY i)::int AS rank, address
           FROM stage_mailboxes`,
      );
      await client.query(`CREATE INDEX ON stage_domain_members (domain_id, rank)`);
      // k = number of targets; external = a forward outside the fleet.
      await client.query(
        `CREATE TEMP TABLE stage_aliases AS
         WITH generated AS (
           SELECT g AS j, 1 + floor($2::int * power(random(), 2.5))::int AS domain_id, random() AS p,
                  ($4::text[])[1 + floor(random() * cardinality($4::text[]))::int] AS grp,
                  ($5::text[])[1 + floor(random() * cardinality($5::text[]))::int] AS qual,
                  ($6::text[])[1 + floor(random() * cardinality($6::text[]))::int] AS f,
                  ($7::text[])[1 + floor(random() * cardinality($7::text[]))::int] AS l,
                  ($8::text[])[1 + floor(random() * cardinality($8::text[]))::int] AS role
             FROM generate_series(1, $1::int) g
         ), based AS (
           SELECT j, domain_id,
                  CASE WHEN p < 0.45 THEN grp || '-' || qual WHEN p < 0.80 THEN f || '.' || l
                       ELSE role END AS base,
                  CASE WHEN p < 0.45 THEN 2 + floor(random() * 5)::int WHEN p < 0.80 THEN 1
                       ELSE 1 + floor(random() * 3)::int END AS k,
                  CASE WHEN p >= 0.45 AND p < 0.80 AND random() < 0.25
                       THEN f || '.' || l || '@' || $9 END AS external
             FROM generated
         )
         SELECT j, domain_id,
                base || CASE WHEN n > 1 THEN n::text ELSE '' END AS local_part, k, external
           FROM (SELECT b.*, row_number() OVER (PARTITION BY domain_id, base ORDER BY j) AS n
                   FROM based b) x
         UNION ALL
         SELECT $1 + 2 * d.id - r.o, d.id, r.name, 1, NULL
           FROM domains d CROSS JOIN (VALUES (1, 'postmaster'), (0, 'abuse')) r(o, name)
         UNION ALL
         SELECT $1 + 2 * $2 + row_number() OVER (), id, '', 1, NULL
           FROM (SELECT id FROM domains ORDER BY random() LIMIT $3) c`,
        [
          generatedAliases,
          domains,
          catchAlls,
          GROUPS,
          QUALIFIERS,
          FIRST_NAMES,
          LAST_NAMES,
          ROLES,
          EXTERNAL_DOMAIN,
        ],
      );
      // Random targets in the alias's own domain, picked set-wise and joined by rank.
      await client.query(
        `CREATE TEMP TABLE stage_alias_targets AS
         SELECT p.j, array_agg(m.address ORDER BY p.x) AS targets
           FROM (SELECT a.j, a.domain_id, x, 1 + floor(random() * z.n)::int AS rank
                   FROM stage_aliases a
                   JOIN stage_domain_sizes z ON z.domain_id = a.domain_id AND z.n > 0
                   CROSS JOIN LATERAL generate_series(1, a.k) x
                  WHERE a.external IS NULL) p
           JOIN stage_domain_members m ON m.domain_id = p.domain_id AND m.rank = p.rank
          GROUP BY p.j`,
      );
      await client.query(
        `INSERT INTO aliases (domain_id, local_part, address, targets, active, created_at, updated_at)
         SELECT a.domain_id, a.local_part, a.local_part || '@' || d.name,
                CASE WHEN a.external IS NOT NULL THEN ARRAY[a.external]
                     ELSE coalesce(t.targets, ARRAY['hostmaster@' || $1]) END,
                a.local_part IN ('', 'postmaster', 'abuse') OR random() > 0.02,
                now() - random() * interval '5 years', now() - random() * interval '1 year'
           FROM stage_aliases a
           JOIN domains d ON d.id = a.domain_id
           LEFT JOIN stage_alias_targets t ON t.j = a.j
          ORDER BY a.j`,
        [EXTERNAL_DOMAIN],
      );
    });

    await step('sequences, drop staging', async () => {
      for (const table of ['backends', 'domains', 'alias_domains', 'mailboxes']) {
        await client.query(
          `SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${table}), false)`,
          [table],
        );
      }
      await client.query(
        `DROP TABLE stage_mailboxes, stage_domain_sizes, stage_domain_members, stage_aliases,
                    stage_alias_targets`,
      );
    });

    // VACUUM as well as ANALYZE: it sets hint bits and the visibility map, as autovacuum would
    // have on a production database, so the first lookups measured do not pay for that.
    await step('VACUUM ANALYZE', () =>
      client.query(`VACUUM (ANALYZE) backends, domains, alias_domains, mailboxes, aliases`),
    );

    const counts = await client.query<{ t: string; n: string }>(
      `SELECT 'backends' t, count(*) n FROM backends UNION ALL SELECT 'domains', count(*) FROM domains
       UNION ALL SELECT 'alias_domains', count(*) FROM alias_domains
       UNION ALL SELECT 'mailboxes', count(*) FROM mailboxes UNION ALL SELECT 'aliases', count(*) FROM aliases`,
    );
    const rows = Object.fromEntries(counts.rows.map((r) => [r.t, Number(r.n)]));
    return { totalMs: performance.now() - start, steps, rows };
  } finally {
    await client.end();
  }
}
