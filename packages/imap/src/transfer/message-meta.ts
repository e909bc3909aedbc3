import { createHash } from 'node:crypto';

/**
 * What a move knows about one message without downloading it: Cyrus computes the SHA-1 of the
 * exact message bytes (`DIGEST.SHA1`, notes/cyrus.md §12), so comparing two folders costs a
 * metadata fetch. Pure helpers, unit-tested.
 */
export interface MessageMeta {
  uid: number;
  /** RFC822.SIZE in bytes. */
  size: number;
  /** SHA-1 of the message bytes, lower-case hex. */
  digest: string;
  /** As the session's user sees them, `\Recent` removed. */
  flags: string[];
  /** INTERNALDATE exactly as the server wrote it (`22-Nov-2026 07:58:04 +0000`). */
  internalDate: string;
  /** MODSEQ when the folder was opened with CONDSTORE. */
  modseq?: string;
}

/** A message with its bytes, ready to be appended elsewhere. */
export interface TransferMessage {
  uid: number;
  flags: string[];
  internalDate: string;
  raw: Buffer;
}

/** `\Recent` is session state, never copied or compared. */
export function storableFlags(flags: Iterable<string>): string[] {
  return [...flags].filter((f) => f.toLowerCase() !== '\\recent');
}

/** Flags in a canonical form for comparison: IMAP flags and keywords are case-insensitive. */
export function canonicalFlags(flags: Iterable<string>): string {
  return [...new Set(storableFlags(flags).map((f) => f.toLowerCase()))].sort().join(' ');
}

export function sameFlags(a: Iterable<string>, b: Iterable<string>): boolean {
  return canonicalFlags(a) === canonicalFlags(b);
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/**
 * Seconds since the epoch of an IMAP date-time (`dd-Mon-yyyy HH:MM:SS +zzzz`, day may be
 * space-padded). Two servers in different zones write the same instant differently.
 */
export function internalDateSeconds(value: string): number {
  const m =
    /^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\s*$/.exec(
      value,
    );
  const month = m ? MONTHS[m[2].toLowerCase()] : undefined;
  if (!m || month === undefined) throw new Error(`invalid INTERNALDATE "${value.slice(0, 40)}"`);
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offsetMin = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '-' ? -1 : 1);
  return utc / 1000 - offsetMin * 60;
}

/** The line one message contributes to a folder digest: bytes, flags with keywords, date. */
export function messageLine(m: Pick<MessageMeta, 'digest' | 'flags' | 'internalDate'>): string {
  return `${m.digest.toLowerCase()} ${internalDateSeconds(m.internalDate)} ${canonicalFlags(m.flags)}`;
}

export interface FolderDigest {
  messages: number;
  bytes: number;
  /** SHA-256 over the sorted message lines; equal digests mean equal folders. */
  digest: string;
}

/** Order-independent digest of a folder's messages (UIDs differ between copies, so they are left out). */
export function folderDigest(messages: readonly MessageMeta[]): FolderDigest {
  const lines = messages.map(messageLine).sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(`${line}\n`);
  return {
    messages: messages.length,
    bytes: messages.reduce((sum, m) => sum + m.size, 0),
    digest: hash.digest('hex'),
  };
}

export interface DigestMatch {
  /** [source UID, target UID] of the same bytes. */
  pairs: [number, number][];
  /** Source messages without a copy on the target, ascending. */
  sourceOnly: number[];
  /** Target messages that are no copy of a source message, ascending. */
  targetOnly: number[];
}

/**
 * Pairs messages with the same bytes, lowest UIDs first on both sides, so that two identical
 * messages in one folder pair with two copies (and a second copy is an orphan). This is what
 * makes a resumed copy free of duplicates: whatever an interrupted APPEND stored is found here.
 */
export function matchByDigest(
  source: readonly Pick<MessageMeta, 'uid' | 'digest'>[],
  target: readonly Pick<MessageMeta, 'uid' | 'digest'>[],
): DigestMatch {
  const queues = new Map<string, number[]>();
  for (const t of [...target].sort((a, b) => a.uid - b.uid)) {
    const key = t.digest.toLowerCase();
    const queue = queues.get(key);
    if (queue) queue.push(t.uid);
    else queues.set(key, [t.uid]);
  }
  const pairs: [number, number][] = [];
  const sourceOnly: number[] = [];
  for (const s of [...source].sort((a, b) => a.uid - b.uid)) {
    const queue = queues.get(s.digest.toLowerCase());
    const targetUid = queue?.shift();
    if (targetUid === undefined) sourceOnly.push(s.uid);
    else pairs.push([s.uid, targetUid]);
  }
  const targetOnly = [...queues.values()].flat().sort((a, b) => a - b);
  return { pairs, sourceOnly, targetOnly };
}
