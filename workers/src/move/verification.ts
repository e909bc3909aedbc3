import {
  FolderDigest,
  MessageMeta,
  canonicalFlags,
  folderDigest,
  internalDateSeconds,
  matchByDigest,
} from '@roost/imap';
import { FolderRef, SourceRead } from './folder-sync';
import { Lane } from './move-sessions';
import { StructureChanges } from './structure';

/**
 * Verification: per folder, read as the owner on both sides, the message count and a digest
 * over (SHA-1 of the bytes, flags with keywords, internal date) must be equal. The report is
 * stored on the move (`moves.verification`).
 */
export interface FolderVerification {
  name: string;
  ok: boolean;
  source: FolderDigest;
  target: FolderDigest;
  /** Only when they differ: what differs, with a few examples (source UIDs). */
  differences?: {
    missing: number;
    extra: number;
    flags: number;
    dates: number;
    examples: string[];
  };
}

export interface VerificationReport {
  ok: boolean;
  engine: string;
  verifiedAt: string;
  /** Time the verification inside the freeze took. */
  durationMs: number;
  /** Folders verified just before the freeze and unchanged since (HIGHESTMODSEQ on both sides). */
  foldersReused?: number;
  messages: { source: number; target: number };
  bytes: { source: number; target: number };
  folders: FolderVerification[];
  structure: { ok: boolean; differences?: StructureChanges };
  sieve: {
    ok: boolean;
    scripts?: number;
    active?: string | null;
    skipped?: string;
    differences?: string[];
  };
  quota: { ok: boolean; source?: unknown; target?: unknown };
  warnings: string[];
}

/** What both sides looked like when a folder was verified (HIGHESTMODSEQ moves on any change). */
export interface VerifiedState {
  result: FolderVerification;
  src: { uidValidity: number; modseq: string | null; exists: number };
  dst: { uidValidity: number; modseq: string | null; exists: number };
}

export async function verifyFolder(
  lane: Lane,
  folder: FolderRef,
  known?: SourceRead,
): Promise<VerifiedState> {
  let s: { uidValidity: number; highestModseq: string | null; exists: number };
  let src: MessageMeta[];
  const status = known?.highestModseq ? await lane.src.status(folder.raw) : undefined;
  if (
    known &&
    status &&
    status.uidValidity === known.uidValidity &&
    status.highestModseq === known.highestModseq &&
    status.messages === known.exists
  ) {
    // the source read when the copy began is still exact: no need to read it again
    s = known;
    src = known.metas;
  } else {
    s = await lane.src.open(folder.raw, true);
    src = await lane.src.fetchMeta();
  }
  const d = await lane.dst.open(folder.raw, true);
  const dst = await lane.dst.fetchMeta();
  return {
    result: compareFolder(folder.name, src, dst),
    src: { uidValidity: s.uidValidity, modseq: s.highestModseq, exists: s.exists },
    dst: { uidValidity: d.uidValidity, modseq: d.highestModseq, exists: d.exists },
  };
}

/**
 * Verifies a folder inside the freeze at the cost of two STATUS commands when it was verified
 * (equal) before the freeze and neither side changed since: in Cyrus every change to a folder
 * (new or expunged message, any flag, the owner's \Seen) raises its HIGHESTMODSEQ. DESIGN §5:
 * "verify the bulk before the freeze, the delta inside it".
 */
export async function verifyFolderReusing(
  lane: Lane,
  folder: FolderRef,
  before: VerifiedState | undefined,
  known?: SourceRead,
): Promise<VerifiedState & { reused: boolean }> {
  if (before?.result.ok && before.src.modseq !== null && before.dst.modseq !== null) {
    const [s, d] = await Promise.all([lane.src.status(folder.raw), lane.dst.status(folder.raw)]);
    const same =
      s.uidValidity === before.src.uidValidity &&
      s.highestModseq === before.src.modseq &&
      s.messages === before.src.exists &&
      d.uidValidity === before.dst.uidValidity &&
      d.highestModseq === before.dst.modseq &&
      d.messages === before.dst.exists;
    if (same) return { ...before, reused: true };
  }
  return { ...(await verifyFolder(lane, folder, known)), reused: false };
}

/** Pure comparison of two folders' metadata (unit-tested). */
export function compareFolder(
  name: string,
  src: MessageMeta[],
  dst: MessageMeta[],
): FolderVerification {
  const source = folderDigest(src);
  const target = folderDigest(dst);
  const ok = source.messages === target.messages && source.digest === target.digest;
  if (ok) return { name, ok, source, target };

  const match = matchByDigest(src, dst);
  const srcBy = new Map(src.map((m) => [m.uid, m]));
  const dstBy = new Map(dst.map((m) => [m.uid, m]));
  const examples: string[] = [];
  let flags = 0;
  let dates = 0;
  for (const [s, d] of match.pairs) {
    const a = srcBy.get(s)!;
    const b = dstBy.get(d)!;
    if (canonicalFlags(a.flags) !== canonicalFlags(b.flags)) {
      flags++;
      if (examples.length < 5)
        examples.push(`UID ${s}: flags (${a.flags.join(' ')}) vs (${b.flags.join(' ')})`);
    }
    if (internalDateSeconds(a.internalDate) !== internalDateSeconds(b.internalDate)) {
      dates++;
      if (examples.length < 5)
        examples.push(`UID ${s}: date ${a.internalDate} vs ${b.internalDate}`);
    }
  }
  for (const uid of match.sourceOnly.slice(0, Math.max(0, 5 - examples.length))) {
    examples.push(`UID ${uid}: missing on the target`);
  }
  return {
    name,
    ok,
    source,
    target,
    differences: {
      missing: match.sourceOnly.length,
      extra: match.targetOnly.length,
      flags,
      dates,
      examples,
    },
  };
}
