import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { MoveState, TlsMode, cyrusMailboxName } from '@roost/core';
import { createDataSource } from '@roost/db';
import {
  CyrusBackendConfig,
  FolderDigest,
  TransferSession,
  folderDigest,
  openAdmin,
} from '@roost/imap';
import { moves, quietLogger } from '@roost/workers';
import {
  type BenchContext,
  type BenchResult,
  type Benchmark,
  numberOption,
  timed,
} from './benchmark';

/**
 * Issue 5, "Done when": the same 5,000-message mailbox (2-20 KB messages, varied flags and
 * keywords, 4 folders) moved between two local Cyrus backends by Roost and copied by mbsync
 * (Debian isync, config of notes/cyrus.md §8) in the same run. Roost's messages/s must be at
 * least 3x mbsync's, with the digests verified; the frozen window (freeze -> flip) must stay
 * under 2 s for that mailbox.
 *
 * Roost's figure is the whole move up to the flip (prepare, bulk copy, delta pass, freeze, final
 * sync, verification of every folder on both sides), mbsync's the whole `mbsync` run. Options:
 * --messages=5000 --settle-ms=<ROOST_MOVE_SETTLE_MS or the default>.
 */
const execFileAsync = promisify(execFile);
const TARGET_RATIO = 3;
const TARGET_FROZEN_MS = 2000;
const DOMAIN = 'bench.example';
const KEYWORDS = [
  '$Forwarded',
  '$Label1',
  '$Label2',
  'Work',
  'Personal',
  '$MDNSent',
  'NonJunk',
  '$Important',
];
const SHARES: [string, number][] = [
  ['INBOX', 0.45],
  ['Sent', 0.2],
  ['Archive', 0.25],
  ['Work', 0.1],
];

interface HarnessCyrus {
  name: string;
  host: string;
  imapPort: number;
  lmtpPort: number;
  sievePort: number;
  adminUser: string;
  adminPassword: string;
  imapdConfPath: string;
  setUserPassword(address: string, password: string): Promise<void>;
  stop(): Promise<void>;
}
interface Harness {
  startCyrus: (opts: {
    name: string;
    rootDir: string;
    adminPassword?: string;
  }) => Promise<HarnessCyrus>;
  findRepoRoot: () => string;
}

/**
 * The test harness (test/src/harness/cyrus.ts), loaded when the benchmark runs: through
 * @roost/test's entry point when it exports it, else from its built file.
 */
async function harness(): Promise<Harness> {
  const viaIndex = (await import('@roost/test')) as Partial<Harness>;
  if (typeof viaIndex.startCyrus === 'function' && typeof viaIndex.findRepoRoot === 'function') {
    return viaIndex as Harness;
  }
  const file = path.join(
    path.dirname(require.resolve('@roost/test/package.json')),
    'dist',
    'harness',
    'cyrus.js',
  );
  return (await import(file)) as Harness;
}

// ---- the mailbox -------------------------------------------------------------------------------

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seeded {
  flags: string[];
  internalDate: string;
  raw: Buffer;
}

/** Deterministic messages: 2-20 KB, CRLF, 35 % multipart with a base64 attachment, 8-bit headers. */
function makeMessage(n: number, random: () => number): Seeded {
  const size = 2048 + Math.floor(random() * 18 * 1024);
  const months = [
    'Jan',
    'Feb',
    'Mar',
    'Apr',
    'May',
    'Jun',
    'Jul',
    'Aug',
    'Sep',
    'Oct',
    'Nov',
    'Dec',
  ];
  const head = [
    `Received: from mx${n % 7}.example.net by relay.${DOMAIN}; Tue, 2 Mar 2021 08:00:00 +0000`,
    `From: "Zoë Müller" <sender${n % 97}@example.net>`,
    `To: mover@${DOMAIN}`,
    `Cc: team${n % 5}@${DOMAIN}`,
    `Subject: Übersicht ${n} – Grüße`,
    `Message-ID: <bench-${n}@example.net>`,
    n > 1 ? `In-Reply-To: <bench-${n - 1}@example.net>` : 'X-First: yes',
    `Date: Tue, 2 Mar 2021 08:${String(n % 60).padStart(2, '0')}:00 +0000`,
    'MIME-Version: 1.0',
  ];
  const text = (len: number) => {
    const line = `Nachricht ${n}: Daten für die Übertragung, ÄÖÜ äöü ß, lorem ipsum dolor sit amet.\r\n`;
    return line.repeat(Math.ceil(len / Buffer.byteLength(line))).slice(0, len);
  };
  let body: string;
  if (random() < 0.35) {
    const bytes = Buffer.alloc(Math.floor(size * 0.6));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    head.push(`Content-Type: multipart/mixed; boundary="m${n}"`);
    body =
      `--m${n}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text(Math.floor(size * 0.15))}\r\n` +
      `--m${n}\r\nContent-Type: application/pdf; name="d${n}.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
      `${bytes.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n--m${n}--\r\n`;
  } else {
    head.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit');
    body = `${text(size)}\r\n`;
  }
  const flags: string[] = [];
  if (random() < 0.7) flags.push('\\Seen');
  if (random() < 0.1) flags.push('\\Flagged');
  if (random() < 0.15) flags.push('\\Answered');
  if (random() < 0.25) flags.push(KEYWORDS[Math.floor(random() * KEYWORDS.length)]);
  const date = `${String(1 + Math.floor(random() * 28)).padStart(2, '0')}-${months[Math.floor(random() * 12)]}-${2019 + Math.floor(random() * 5)} ${String(Math.floor(random() * 24)).padStart(2, '0')}:${String(Math.floor(random() * 60)).padStart(2, '0')}:00 +0000`;
  return {
    flags,
    internalDate: date,
    raw: Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'utf8'),
  };
}

function backendConfig(c: HarnessCyrus): CyrusBackendConfig {
  return {
    name: c.name,
    imapHost: c.host,
    imapPort: c.imapPort,
    tlsMode: TlsMode.None,
    tlsVerify: true,
    adminUser: c.adminUser,
  };
}

async function seed(c: HarnessCyrus, address: string, total: number): Promise<void> {
  await withAdminSession(c, async (admin) => {
    await admin.ensureMailbox(cyrusMailboxName(address));
  });
  const owner = await TransferSession.open(backendConfig(c), c.adminPassword, address);
  const random = rng(20_26);
  let n = 0;
  try {
    for (const [folder, share] of SHARES) {
      if (folder !== 'INBOX') {
        await owner.createFolder(folder);
        await owner.subscribe(folder);
      }
      const count = folder === 'Work' ? total - n : Math.round(total * share);
      for (let i = 0; i < count; i += 100) {
        const batch: Seeded[] = [];
        for (let j = i; j < Math.min(count, i + 100); j++) batch.push(makeMessage(++n, random));
        await owner.multiAppend(folder, batch);
      }
    }
  } finally {
    await owner.close();
  }
}

async function withAdminSession<T>(
  c: HarnessCyrus,
  fn: (admin: Awaited<ReturnType<typeof openAdmin>>) => Promise<T>,
): Promise<T> {
  const admin = await openAdmin(backendConfig(c), c.adminPassword);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Per folder, read as the owner: count and digest over (bytes, flags with keywords, date). */
async function digests(
  c: HarnessCyrus,
  address: string,
  opts: { stripTuid?: boolean; systemFlagsOnly?: boolean } = {},
): Promise<Record<string, FolderDigest>> {
  const owner = await TransferSession.open(backendConfig(c), c.adminPassword, address);
  const out: Record<string, FolderDigest> = {};
  try {
    for (const f of await owner.listFolders()) {
      if (!f.selectable) continue;
      await owner.open(f.raw, true);
      let metas = await owner.fetchMeta();
      if (opts.stripTuid || opts.systemFlagsOnly) {
        const bodies = opts.stripTuid ? await owner.fetchMessages(metas.map((m) => m.uid)) : [];
        const byUid = new Map(bodies.map((b) => [b.uid, b.raw]));
        const { createHash } = await import('node:crypto');
        metas = metas.map((m) => {
          const raw = byUid.get(m.uid);
          const stripped = raw
            ? Buffer.from(raw.toString('latin1').replace(/^X-TUID: [^\r\n]*\r\n/m, ''), 'latin1')
            : undefined;
          return {
            ...m,
            digest: stripped ? createHash('sha1').update(stripped).digest('hex') : m.digest,
            size: stripped ? stripped.length : m.size,
            flags: opts.systemFlagsOnly ? m.flags.filter((x) => x.startsWith('\\')) : m.flags,
          };
        });
      }
      out[f.name] = folderDigest(metas);
    }
  } finally {
    await owner.close();
  }
  return out;
}

function sameDigests(a: Record<string, FolderDigest>, b: Record<string, FolderDigest>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys)
    if (a[k]?.digest !== b[k]?.digest || a[k]?.messages !== b[k]?.messages) return false;
  return true;
}

// ---- the benchmark ------------------------------------------------------------------------------

export const moveBenchmark: Benchmark = {
  name: 'move',
  description:
    'a 5,000-message mailbox between two Cyrus backends: Roost move vs mbsync (msg/s, frozen window)',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const total = numberOption(ctx, 'messages', 5000);
    const settleOption = ctx.options.get('settle-ms');
    const { startCyrus, findRepoRoot } = await harness();
    const rootDir = await mkdtemp(path.join(tmpdir(), 'roost-bench-move-'));
    await chmod(rootDir, 0o755);
    const cleanups: (() => Promise<unknown>)[] = [
      () => rm(rootDir, { recursive: true, force: true }),
    ];
    const notes: string[] = [];
    const details: Record<string, unknown> = { loadAverageAtStart: loadavg() };
    try {
      const adminPassword = `bench-${Date.now().toString(36)}`;
      const [src, dst] = await Promise.all([
        startCyrus({ name: 'bench-msrc', rootDir, adminPassword }),
        startCyrus({ name: 'bench-mdst', rootDir, adminPassword }),
      ]);
      cleanups.push(
        () => src.stop(),
        () => dst.stop(),
      );
      const address = `mover@${DOMAIN}`;
      const userPassword = 'mover-bench-pw';
      await src.setUserPassword(address, userPassword);
      await dst.setUserPassword(address, userPassword);

      await timed(ctx.progress, `seeding ${total} messages as the owner (MULTIAPPEND)`, () =>
        seed(src, address, total),
      );
      const sourceDigests = await digests(src, address);
      const sourceBytes = Object.values(sourceDigests).reduce((s, f) => s + f.bytes, 0);
      ctx.progress(
        `source: ${Object.keys(sourceDigests).length} folders, ${(sourceBytes / 1e6).toFixed(1)} MB`,
      );

      // ---- mbsync --------------------------------------------------------------------------
      const stateDir = path.join(rootDir, 'mbsync-state');
      await mkdir(stateDir, { recursive: true });
      const config = path.join(rootDir, 'mbsyncrc');
      await writeFile(
        config,
        [
          'IMAPAccount src',
          `Host ${src.host}`,
          `Port ${src.imapPort}`,
          `User ${address}`,
          `Pass ${userPassword}`,
          'SSLType None',
          'AuthMechs PLAIN',
          '',
          'IMAPStore src',
          'Account src',
          '',
          'IMAPAccount dst',
          `Host ${dst.host}`,
          `Port ${dst.imapPort}`,
          `User ${address}`,
          `Pass ${userPassword}`,
          'SSLType None',
          'AuthMechs PLAIN',
          '',
          'IMAPStore dst',
          'Account dst',
          '',
          'Channel migrate',
          'Far :src:',
          'Near :dst:',
          'Patterns *',
          'Create Near',
          'Sync Pull',
          'Expunge None',
          'CopyArrivalDate yes',
          `SyncState ${stateDir}/`,
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      await withAdminSession(dst, (admin) => admin.ensureMailbox(cyrusMailboxName(address)));
      const mbsync = await timed(ctx.progress, 'mbsync', () =>
        execFileAsync('mbsync', ['-c', config, '-q', 'migrate'], { maxBuffer: 16 * 1024 * 1024 }),
      );
      const mbsyncRate = total / (mbsync.ms / 1000);
      const mbsyncTarget = await digests(dst, address, { stripTuid: true, systemFlagsOnly: true });
      const sourceSystem = await digests(src, address, { systemFlagsOnly: true });
      const mbsyncCounts = Object.values(mbsyncTarget).reduce((s, f) => s + f.messages, 0);
      const mbsyncBodiesOk = sameDigests(mbsyncTarget, sourceSystem);
      const mbsyncFull = sameDigests(await digests(dst, address), sourceDigests);
      notes.push(
        `mbsync copied ${mbsyncCounts} messages; bodies + system flags + dates ${mbsyncBodiesOk ? 'match' : 'DIFFER'} once its X-TUID header is stripped; ` +
          `full digests (keywords, exact bytes) ${mbsyncFull ? 'match' : 'differ (expected: isync 1.4 drops keywords and adds X-TUID)'}`,
      );
      // the move needs an empty target
      await withAdminSession(dst, (admin) => admin.deleteUserMailbox(address));

      // ---- Roost ---------------------------------------------------------------------------
      const db = await ctx.createDatabase();
      const pool = new Pool({ connectionString: db.url, max: 2 });
      cleanups.push(() => pool.end());
      process.env.ROOST_BENCH_MOVE_SECRET = adminPassword;
      const control = path.join(findRepoRoot(), 'workers', 'bin', 'cyrus-control');
      const one = async (sql: string, values: unknown[]) =>
        Number((await pool.query<{ id: string }>(sql, values)).rows[0].id);
      const domainId = await one(`INSERT INTO domains (name) VALUES ($1) RETURNING id`, [DOMAIN]);
      const backendId = (c: HarnessCyrus) =>
        one(
          `INSERT INTO backends (name, imap_host, imap_port, lmtp_host, lmtp_port, sieve_port, admin_user, admin_secret_ref,
                                 capacity_bytes, capacity_mailboxes, control_command)
           VALUES ($1, $2, $3, $2, $4, $5, $6, 'env:ROOST_BENCH_MOVE_SECRET', 1000000000000, 100000, $7::jsonb) RETURNING id`,
          [
            c.name,
            c.host,
            c.imapPort,
            c.lmtpPort,
            c.sievePort,
            c.adminUser,
            JSON.stringify([control, c.imapdConfPath, '{action}', '{user}']),
          ],
        );
      const srcId = await backendId(src);
      const dstId = await backendId(dst);
      const mailboxId = await one(
        `INSERT INTO mailboxes (domain_id, local_part, address, password_hash, quota_bytes, backend_id, state)
         VALUES ($1, 'mover', $2, 'x', 0, $3, 'active') RETURNING id`,
        [domainId, address, srcId],
      );
      const moveId = await one(
        `INSERT INTO moves (mailbox_id, source_backend_id, target_backend_id) VALUES ($1, $2, $3) RETURNING id`,
        [mailboxId, srcId, dstId],
      );
      const ds = createDataSource(db.url, 6);
      await ds.initialize();
      cleanups.push(() => ds.destroy());
      const settings = moves.loadMoveSettings(process.env, {
        retentionMs: 3_600_000,
        ...(settleOption !== undefined ? { settleMs: numberOption(ctx, 'settle-ms', 1000) } : {}),
      });
      // when each state began, from the move's own log
      const phases: Record<string, number> = {};
      const started = Date.now();
      const log = {
        ...quietLogger,
        info: (message: string, fields?: Record<string, unknown>) => {
          if (message === 'move state' && typeof fields?.to === 'string')
            phases[fields.to] = Date.now() - started;
        },
      };
      const deps: moves.MoveDeps = {
        db: ds,
        log,
        env: process.env,
        enqueue: () => Promise.resolve(), // MoveClean is not part of the measurement
        settings,
      };
      const roost = await timed(ctx.progress, 'Roost move (up to the flip)', async () => {
        const result = await moves.runMove(deps, moveId);
        if (!('state' in result) || result.state !== MoveState.Retained) {
          const { rows } = await pool.query(`SELECT state, error FROM moves WHERE id = $1`, [
            moveId,
          ]);
          throw new Error(`move ended ${JSON.stringify(result)}: ${JSON.stringify(rows[0])}`);
        }
      });
      const { rows } = await pool.query<{
        started_at: Date;
        frozen_at: Date;
        flipped_at: Date;
        verification: { ok: boolean; durationMs: number; foldersReused?: number };
      }>(`SELECT started_at, frozen_at, flipped_at, verification FROM moves WHERE id = $1`, [
        moveId,
      ]);
      const row = rows[0];
      const frozenMs = row.flipped_at.getTime() - row.frozen_at.getTime();
      const toFlipMs = row.flipped_at.getTime() - row.started_at.getTime();
      const roostRate = total / (toFlipMs / 1000);
      // the bulk copy alone (copying -> syncing), the part that does what mbsync does
      const copyMs = (phases.syncing ?? toFlipMs) - (phases.copying ?? 0);
      const copyRate = total / (copyMs / 1000);
      // read the source again as the owner (it is retained with the owner denied)
      await execFileAsync(control, [src.imapdConfPath, 'allow', address]);
      const roostTarget = await digests(dst, address);
      const roostOk =
        row.verification.ok &&
        sameDigests(roostTarget, sourceDigests) &&
        sameDigests(await digests(src, address), sourceDigests);

      const ratio = roostRate / mbsyncRate;
      if (!roostOk) ctx.fail('Roost: digests of source and target differ');
      if (ratio < TARGET_RATIO)
        ctx.fail(`Roost is ${ratio.toFixed(2)}x mbsync, below ${TARGET_RATIO}x`);
      if (frozenMs >= TARGET_FROZEN_MS)
        ctx.fail(`frozen window ${frozenMs} ms, not under ${TARGET_FROZEN_MS} ms`);
      notes.push(
        `Roost: ${toFlipMs} ms from start to flip incl. verification of every folder (report ok: ${row.verification.ok}; ` +
          `in-freeze verification ${row.verification.durationMs} ms, ${row.verification.foldersReused ?? 0} folder(s) verified before the freeze and unchanged); ` +
          `settle ${settings.settleMs} ms, ${settings.parallelFolders} folders in parallel, MULTIAPPEND x${settings.batchMessages}`,
      );
      details.roost = {
        toFlipMs,
        frozenMs,
        wallMs: Math.round(roost.ms),
        phasesMs: phases,
        verification: row.verification,
        settings,
      };
      ctx.progress(`Roost phases (ms from start): ${JSON.stringify(phases)}`);
      details.mbsync = {
        ms: Math.round(mbsync.ms),
        copied: mbsyncCounts,
        bodiesAndSystemFlagsMatch: mbsyncBodiesOk,
      };
      details.loadAverageAtEnd = loadavg();
      notes.push(
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} on ${cpus().length} CPUs: figures are from a shared box, compare the ratio`,
      );
      details.source = { messages: total, bytes: sourceBytes, folders: Object.keys(sourceDigests) };

      return {
        name: 'move',
        metrics: [
          {
            label: 'Roost move, msg/s (start to flip)',
            value: Math.round(roostRate),
            unit: 'msg/s',
            baseline: Math.round(mbsyncRate),
          },
          {
            label: 'Roost bulk copy phase, msg/s',
            value: Math.round(copyRate),
            unit: 'msg/s',
            baseline: Math.round(mbsyncRate),
          },
          { label: 'mbsync copy, msg/s', value: Math.round(mbsyncRate), unit: 'msg/s' },
          { label: 'Roost / mbsync', value: Math.round(ratio * 100) / 100, unit: 'x' },
          { label: 'frozen window (freeze -> flip)', value: frozenMs, unit: 'ms' },
          { label: 'digests verified (Roost)', value: roostOk ? 1 : 0, unit: 'bool' },
        ],
        notes,
        details,
      };
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    }
  },
};
