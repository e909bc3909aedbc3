import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { MoveEngine, MoveState, TERMINAL_MOVE_STATES } from '@roost/core';
import { FolderDigest, SieveClient, TransferSession, folderDigest } from '@roost/imap';
import type { moves } from '@roost/workers';
import type { Queue } from 'bullmq';
import { Pool } from 'pg';
import { CyrusInstance, findRepoRoot, startCyrus } from '../harness/cyrus';
import { TestDatabase, createTestDatabase } from '../harness/database';
import { startRedis } from '../harness/redis';
import { MoveWorkerHandle, moveQueue, startMoveWorker } from './move-worker';

// Two real Cyrus backends, a migrated database, Redis and the move queue for the move tests
// (with a move worker when the test asks for one), and the tools those tests use: a user seeded
// as its owner (proxy auth + MULTIAPPEND), LMTP deliveries, per-folder digests read as the owner.

export const DOMAIN = 'example.com';
const SECRET_ENV = 'ROOST_TEST_MOVE_ADMIN_SECRET';
const CONTROL = path.join(findRepoRoot(), 'workers', 'bin', 'cyrus-control');

export interface MoveLab {
  src: CyrusInstance;
  dst: CyrusInstance;
  db: TestDatabase;
  pool: Pool;
  redisUrl: string;
  prefix: string;
  domainId: number;
  srcBackendId: number;
  dstBackendId: number;
  /** The move queue, under `prefix`. */
  queue: Queue;
  /** Stops the worker, empties the queue and stops everything the lab started. */
  stop(): Promise<void>;
}

export interface MoveLabOptions {
  /** Starts a move worker in this process with these settings; without it, the test runs its own. */
  worker?: Partial<moves.MoveSettings>;
}

/** Both backends share the admin password: XFER logs in from one to the other with it. */
export async function startMoveLab(label: string, options: MoveLabOptions = {}): Promise<MoveLab> {
  const rootDir = await mkdtemp(path.join(tmpdir(), `roost-${label}-`));
  await chmod(rootDir, 0o755);
  const adminPassword = randomBytes(12).toString('base64url');
  const [src, dst] = await Promise.all([
    startCyrus({ name: 'movesrc', rootDir, adminPassword }),
    startCyrus({ name: 'movedst', rootDir, adminPassword }),
  ]);
  process.env[SECRET_ENV] = adminPassword;
  const db = await createTestDatabase({ prefix: `roost_${label.replace(/\W/g, '_')}` });
  const pool = new Pool({ connectionString: db.url, max: 4 });
  const redis = await startRedis();
  const prefix = `roost-test-${label}-${randomBytes(4).toString('hex')}`;
  const domainId = await scalar(pool, `INSERT INTO domains (name) VALUES ($1) RETURNING id`, [
    DOMAIN,
  ]);
  const insert = (b: CyrusInstance) =>
    scalar(
      pool,
      `INSERT INTO backends (name, imap_host, imap_port, lmtp_host, lmtp_port, sieve_port, admin_user,
                             admin_secret_ref, capacity_bytes, capacity_mailboxes, control_command)
       VALUES ($1, $2, $3, $2, $4, $5, $6, $7, 1000000000000, 100000, $8::jsonb) RETURNING id`,
      [
        b.name,
        b.host,
        b.imapPort,
        b.lmtpPort,
        b.sievePort,
        b.adminUser,
        `env:${SECRET_ENV}`,
        JSON.stringify([CONTROL, b.imapdConfPath, '{action}', '{user}']),
      ],
    );
  const srcBackendId = await insert(src);
  const dstBackendId = await insert(dst);
  const queue = moveQueue(redis.url, prefix);
  let worker: MoveWorkerHandle | undefined;
  const stop = async () => {
    await worker?.stop();
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await pool.end().catch(() => undefined);
    await Promise.all([src.stop(), dst.stop()]);
    await db.drop();
    await redis.stop();
    await rm(rootDir, { recursive: true, force: true });
  };
  if (options.worker) {
    try {
      worker = await startMoveWorker({
        databaseUrl: db.url,
        redisUrl: redis.url,
        prefix,
        settings: options.worker,
      });
    } catch (err) {
      await stop();
      throw err;
    }
  }
  return {
    src,
    dst,
    db,
    pool,
    redisUrl: redis.url,
    prefix,
    domainId,
    srcBackendId,
    dstBackendId,
    queue: queue.queue,
    stop,
  };
}

const execFileAsync = promisify(execFile);

/** Runs the backends' control command (as the move worker does): `deny` or `allow` a user's logins. */
export async function cyrusControl(
  instance: CyrusInstance,
  action: 'deny' | 'allow',
  address: string,
): Promise<void> {
  await execFileAsync(CONTROL, [instance.imapdConfPath, action, address]);
}

async function scalar(pool: Pool, sql: string, values: unknown[]): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(sql, values);
  return Number(rows[0].id);
}

export function backendConfig(instance: CyrusInstance) {
  return {
    name: instance.name,
    imapHost: instance.host,
    imapPort: instance.imapPort,
    tlsMode: 'none' as never,
    tlsVerify: true,
    adminUser: instance.adminUser,
  };
}

export function owner(instance: CyrusInstance, address: string): Promise<TransferSession> {
  return TransferSession.open(backendConfig(instance), instance.adminPassword, address);
}

export function admin(instance: CyrusInstance): Promise<TransferSession> {
  return TransferSession.open(backendConfig(instance), instance.adminPassword, undefined);
}

export function sieve(instance: CyrusInstance, address: string): Promise<SieveClient> {
  return SieveClient.connect(
    {
      name: instance.name,
      host: instance.host,
      port: instance.sievePort,
      tlsMode: 'none' as never,
      tlsVerify: true,
    },
    { user: instance.adminUser, pass: instance.adminPassword, authzid: address },
  );
}

/** A mailbox row routed to the source and its INBOX there, created by the admin. */
export async function createUser(
  lab: MoveLab,
  localPart: string,
  quotaKiB = 2_000_000,
): Promise<{ id: number; address: string }> {
  const address = `${localPart}@${DOMAIN}`;
  const id = await scalar(
    lab.pool,
    `INSERT INTO mailboxes (domain_id, local_part, address, password_hash, quota_bytes, backend_id, state)
     VALUES ($1, $2, $3, 'x', $4, $5, 'active') RETURNING id`,
    [lab.domainId, localPart, address, quotaKiB * 1024, lab.srcBackendId],
  );
  const a = await admin(lab.src);
  try {
    await exec(a, 'CREATE', [{ type: 'STRING', value: `user/${address}` }]);
    await exec(a, 'SETQUOTA', [
      { type: 'STRING', value: `user/${address}` },
      [
        { type: 'ATOM', value: 'STORAGE' },
        { type: 'ATOM', value: String(quotaKiB) },
      ],
    ]);
  } finally {
    await a.close();
  }
  return { id, address };
}

/** Raw commands for seeding only (the transfer session's exec is private). */
async function exec(
  session: TransferSession,
  command: string,
  attributes: unknown[],
): Promise<void> {
  await (session as unknown as { exec(c: string, a: unknown[]): Promise<unknown> }).exec(
    command,
    attributes,
  );
}

export async function insertMove(
  lab: MoveLab,
  mailboxId: number,
  engine = MoveEngine.Imap,
  direction: 'forward' | 'back' = 'forward',
): Promise<number> {
  const [from, to] =
    direction === 'forward'
      ? [lab.srcBackendId, lab.dstBackendId]
      : [lab.dstBackendId, lab.srcBackendId];
  return scalar(
    lab.pool,
    `INSERT INTO moves (mailbox_id, source_backend_id, target_backend_id, engine) VALUES ($1, $2, $3, $4) RETURNING id`,
    [mailboxId, from, to, engine],
  );
}

export interface MoveRow {
  state: MoveState;
  error: string | null;
  attempts: number;
  messagesTotal: number;
  messagesDone: number;
  bytesTotal: number;
  bytesDone: number;
  foldersTotal: number;
  foldersDone: number;
  rate: number | null;
  etaS: number | null;
  progressAt: Date | null;
  frozenAt: Date | null;
  flippedAt: Date | null;
  verification: Record<string, unknown> | null;
}

export async function moveRow(lab: MoveLab, id: number): Promise<MoveRow> {
  const { rows } = await lab.pool.query(
    `SELECT state, error, attempts, messages_total, messages_done, bytes_total, bytes_done, folders_total,
            folders_done, rate_messages_per_s, eta_s, progress_at, frozen_at, flipped_at, verification
       FROM moves WHERE id = $1`,
    [id],
  );
  const r = rows[0] as Record<string, unknown>;
  return {
    state: r.state as MoveState,
    error: r.error as string | null,
    attempts: Number(r.attempts),
    messagesTotal: Number(r.messages_total),
    messagesDone: Number(r.messages_done),
    bytesTotal: Number(r.bytes_total),
    bytesDone: Number(r.bytes_done),
    foldersTotal: Number(r.folders_total),
    foldersDone: Number(r.folders_done),
    rate: r.rate_messages_per_s === null ? null : Number(r.rate_messages_per_s),
    etaS: r.eta_s === null ? null : Number(r.eta_s),
    progressAt: r.progress_at as Date | null,
    frozenAt: r.frozen_at as Date | null,
    flippedAt: r.flipped_at as Date | null,
    verification: r.verification as Record<string, unknown> | null,
  };
}

export async function mailboxRouting(
  lab: MoveLab,
  id: number,
): Promise<{ backendId: number; state: string }> {
  const { rows } = await lab.pool.query(`SELECT backend_id, state FROM mailboxes WHERE id = $1`, [
    id,
  ]);
  return { backendId: Number(rows[0].backend_id), state: String(rows[0].state) };
}

/** The answer Postfix's transport_maps query gets for `address`. */
export async function transportOf(lab: MoveLab, address: string): Promise<string | null> {
  const { rows } = await lab.pool.query(
    `SELECT transport FROM postfix_transport WHERE address = $1`,
    [address],
  );
  return rows.length ? String(rows[0].transport) : null;
}

export async function waitFor<T>(
  label: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
    await sleep(everyMs);
  }
}

/** States a move rests in: retained (verified copy, routing flipped) or ended. */
const SETTLED_STATES: readonly MoveState[] = [MoveState.Retained, ...TERMINAL_MOVE_STATES];

/** Waits until the move has settled (retained or ended) and returns its row. */
export function untilMoveSettles(
  lab: MoveLab,
  moveId: number,
  timeoutMs = 120_000,
  everyMs?: number,
): Promise<MoveRow> {
  return waitFor(
    `move ${moveId} to settle`,
    async () => {
      const row = await moveRow(lab, moveId);
      return SETTLED_STATES.includes(row.state) ? row : undefined;
    },
    timeoutMs,
    everyMs,
  );
}

// ---- messages --------------------------------------------------------------------------------

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

/** A deterministic RFC 5322 message (CRLF) with raw UTF-8 in its headers; 2-20 KB by default. */
export function message(n: number, opts: { size?: number; tag?: string } = {}): Buffer {
  const size = opts.size ?? 2048 + ((n * 7919) % 18432);
  const tag = opts.tag ?? 'seed';
  const head = [
    `Received: from mx.example.net by relay.example.com; Mon, 1 Feb 2021 10:00:00 +0100`,
    `From: "Jürgen Groß" <juergen${n % 13}@example.net>`,
    `To: user@${DOMAIN}`,
    `Subject: Grüße aus Köln #${n} (${tag}) – ☃`,
    `Message-ID: <${tag}-${n}@example.net>`,
    `Date: Mon, 1 Feb 2021 10:${String(n % 60).padStart(2, '0')}:00 +0100`,
    `MIME-Version: 1.0`,
  ];
  const multipart = n % 3 === 0;
  const filler = (len: number) => {
    const line = `Zeile ${n}: Prüfung der Übertragung, äöü ÄÖÜ ß – lorem ipsum dolor sit amet.\r\n`;
    return line.repeat(Math.max(1, Math.ceil(len / Buffer.byteLength(line)))).slice(0, len);
  };
  if (!multipart) {
    head.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit');
    return Buffer.from(`${head.join('\r\n')}\r\n\r\n${filler(size)}\r\n`, 'utf8');
  }
  const attachment = randomBytesFrom(n, Math.floor(size * 0.6))
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  head.push(`Content-Type: multipart/mixed; boundary="b${n}"`);
  return Buffer.from(
    `${head.join('\r\n')}\r\n\r\n--b${n}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${filler(Math.floor(size * 0.2))}\r\n` +
      `--b${n}\r\nContent-Type: application/octet-stream; name="a${n}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--b${n}--\r\n`,
    'utf8',
  );
}

function randomBytesFrom(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Varied flags: \Seen (set by the owner) 70 %, \Flagged, \Answered, keywords ~25 %. */
export function flagsFor(n: number): string[] {
  const flags: string[] = [];
  if (n % 10 < 7) flags.push('\\Seen');
  if (n % 10 === 3) flags.push('\\Flagged');
  if (n % 7 === 2) flags.push('\\Answered');
  if (n % 4 === 1) flags.push(KEYWORDS[n % KEYWORDS.length]);
  if (n % 17 === 5) flags.push(KEYWORDS[(n + 3) % KEYWORDS.length]);
  return flags;
}

export function internalDateFor(n: number): string {
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
  const day = String(1 + (n % 28)).padStart(2, '0');
  return `${day}-${months[n % 12]}-${2019 + (n % 5)} ${String(n % 24).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:07 +0000`;
}

/**
 * Appends `count` messages to each folder as the owner, with MULTIAPPEND (batches of 100).
 * Folders are given as the server writes them (modified UTF-7 for non-ASCII).
 */
export async function seedFolders(
  instance: CyrusInstance,
  address: string,
  folders: Record<string, number>,
  start = 1,
): Promise<number> {
  const session = await owner(instance, address);
  let n = start;
  try {
    for (const [raw, count] of Object.entries(folders)) {
      if (raw !== 'INBOX') {
        await session.createFolder(raw);
        await session.subscribe(raw);
      }
      for (let i = 0; i < count; i += 100) {
        const batch = [];
        for (let j = i; j < Math.min(count, i + 100); j++, n++) {
          batch.push({ flags: flagsFor(n), internalDate: internalDateFor(n), raw: message(n) });
        }
        await session.multiAppend(raw, batch);
      }
    }
  } finally {
    await session.close();
  }
  return n;
}

/** Per folder (by name as the owner reads it): count and digest over bytes, flags, date. */
export async function ownerDigests(
  instance: CyrusInstance,
  address: string,
): Promise<Record<string, FolderDigest>> {
  const session = await owner(instance, address);
  const out: Record<string, FolderDigest> = {};
  try {
    for (const f of await session.listFolders()) {
      if (!f.selectable) continue;
      await session.open(f.raw, true);
      out[f.name] = folderDigest(await session.fetchMeta());
    }
  } finally {
    await session.close();
  }
  return out;
}

/** SHA-1s of every message of a folder (duplicates show up as repeated entries). */
export async function folderShas(
  instance: CyrusInstance,
  address: string,
  raw: string,
): Promise<string[]> {
  const session = await owner(instance, address);
  try {
    await session.open(raw, true);
    return (await session.fetchMeta()).map((m) => m.digest).sort();
  } finally {
    await session.close();
  }
}

/**
 * What Postfix does with a message for `address`: the first attempt goes to `firstTry` (a route
 * resolved before the freeze, as qmgr caches it); after a 4xx it looks the route up again in the
 * transport view each time (`retry:` means wait) until a backend accepts it. Resolves with the
 * LMTP port that took it.
 */
export async function deliverLikePostfix(
  lab: MoveLab,
  address: string,
  raw: Buffer,
  firstTry: CyrusInstance,
  timeoutMs = 120_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let port = firstTry.lmtpPort;
  for (;;) {
    try {
      await lmtpDeliverTo('127.0.0.1', port, address, raw);
      return port;
    } catch (err) {
      if (!/^LMTP: 4\d\d/.test((err as Error).message) || Date.now() > deadline) throw err;
    }
    for (;;) {
      await sleep(100);
      const transport = (await transportOf(lab, address)) ?? '';
      const m = /^lmtp:inet:([^:]+):(\d+)$/.exec(transport);
      if (m) {
        port = Number(m[2]);
        break;
      }
      if (Date.now() > deadline) throw new Error(`still ${transport} after ${timeoutMs} ms`);
    }
  }
}

/** Delivers `raw` to `address` over LMTP (TCP, pre-authorised), as Postfix would. */
export function lmtpDeliver(instance: CyrusInstance, address: string, raw: Buffer): Promise<void> {
  return lmtpDeliverTo(instance.host, instance.lmtpPort, address, raw);
}

function lmtpDeliverTo(host: string, port: number, address: string, raw: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffer = '';
    const steps: { send: string | Buffer | null; expect: RegExp }[] = [
      { send: null, expect: /^220 / },
      { send: 'LHLO roost-test\r\n', expect: /^250 / },
      { send: 'MAIL FROM:<sender@example.net>\r\n', expect: /^250 / },
      { send: `RCPT TO:<${address}>\r\n`, expect: /^250 / },
      { send: 'DATA\r\n', expect: /^354 / },
      {
        send: Buffer.concat([
          Buffer.from(raw.toString('latin1').replace(/^\./gm, '..'), 'latin1'),
          Buffer.from('\r\n.\r\n'),
        ]),
        expect: /^250 /,
      },
      { send: 'QUIT\r\n', expect: /^221 / },
    ];
    let step = 0;
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(15_000, () => fail(new Error('LMTP timed out')));
    socket.on('error', fail);
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        const end = buffer.indexOf('\r\n');
        if (end < 0) return;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^\d{3}-/.test(line)) continue; // continuation line
        const current = steps[step];
        if (!current.expect.test(line)) return fail(new Error(`LMTP: ${line} (step ${step})`));
        step++;
        if (step >= steps.length) {
          socket.end();
          return resolve();
        }
        const next = steps[step].send;
        if (next !== null) socket.write(next);
      }
    });
  });
}
