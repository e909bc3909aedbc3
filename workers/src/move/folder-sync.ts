import {
  ImapError,
  ImapNotFoundError,
  MessageMeta,
  OpenFolder,
  TransferMessage,
  canonicalFlags,
  matchByDigest,
} from '@roost/imap';
import { MemoryBudget } from './memory-budget';
import { Lane } from './move-sessions';
import { MovePermanentError } from './move.errors';
import { FolderCheckpoint, MoveRepository } from './move.repository';
import { MoveProgress } from './move-progress';
import { MoveSettings } from './move.settings';

/**
 * Copying and re-syncing one folder, the heart of a move.
 *
 * What each folder's copy knows lives in two places:
 * - the database checkpoint (`move_folders`): source UIDVALIDITY, the last source UID copied,
 *   the source HIGHESTMODSEQ of the last pass, counters; written after every stored batch;
 * - a mirror in memory for the current run: source UID -> (target UID, SHA-1, flags).
 *
 * A run never trusts a mirror it did not build itself. The first pass over a folder in a run
 * (after a crash, a kill, a retry) rebuilds it from both sides' metadata, pairing messages by
 * their SHA-1 (`DIGEST.SHA1`, computed by Cyrus: no body is downloaded). Whatever an interrupted
 * run stored, including a MULTIAPPEND that completed after the worker died and before its
 * checkpoint was written, is found there and not copied again; what is missing is copied; what
 * is on the target but not on the source is removed. That is why a resumed move has neither
 * duplicates nor gaps, whatever moment it was killed at. Later passes in the same run only look
 * at what changed (CONDSTORE CHANGEDSINCE, UID lists for expunges).
 */

export type PassMode =
  /** Bulk copy and delta passes before the flip: the target is made equal to the source. */
  | 'sync'
  /** After the flip: only messages that reached the source late are added; the target is live. */
  | 'sweep';

export interface FolderRef {
  /** As the owner reads it (UTF-8); the checkpoint's key. */
  name: string;
  /** As the server writes it (modified UTF-7). */
  raw: string;
}

export interface PassResult {
  copied: number;
  copiedBytes: number;
  flagsChanged: number;
  expunged: number;
  /** The folder no longer exists on the source. */
  vanished: boolean;
}

interface MirrorEntry {
  dstUid: number;
  digest: string;
  flags: string;
  size: number;
}

interface Mirror {
  srcUidValidity: number;
  dstUidValidity: number;
  srcModseq: string | null;
  srcUidNext: number;
  srcExists: number;
  map: Map<number, MirrorEntry>;
  /** A batch was stored without APPENDUID: rebuild from digests next time. */
  stale: boolean;
}

/**
 * Source metadata read at a known HIGHESTMODSEQ (taken before the read, so a change during it
 * shows as a newer one): still exact while STATUS reports the same UIDVALIDITY, HIGHESTMODSEQ
 * and message count.
 */
export interface SourceRead {
  uidValidity: number;
  highestModseq: string | null;
  exists: number;
  metas: MessageMeta[];
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export class FolderSync {
  private readonly mirrors = new Map<string, Mirror>();
  /** The source's metadata as read by the last rebuild, reused by a verification if unchanged. */
  private readonly sourceReads = new Map<string, SourceRead>();
  private readonly checkpoints = new Map<string, FolderCheckpoint>();
  readonly memory: MemoryBudget;

  constructor(
    private readonly repo: MoveRepository,
    private readonly moveId: number,
    private readonly progress: MoveProgress,
    private readonly settings: MoveSettings,
    private readonly log: Logger,
  ) {
    this.memory = new MemoryBudget(settings.memoryBytes);
  }

  /** Loads the checkpoints of the move (once per run). */
  async loadCheckpoints(): Promise<FolderCheckpoint[]> {
    const rows = await this.repo.folders(this.moveId);
    this.checkpoints.clear();
    for (const row of rows) this.checkpoints.set(row.name, row);
    return rows;
  }

  checkpoint(name: string): FolderCheckpoint | undefined {
    return this.checkpoints.get(name);
  }

  /** Messages the target holds of this folder as far as this run knows (for progress). */
  mirroredCount(raw: string): number | undefined {
    return this.mirrors.get(raw)?.map.size;
  }

  /** The source metadata of a folder as the last rebuild read it (see SourceRead). */
  sourceRead(raw: string): SourceRead | undefined {
    return this.sourceReads.get(raw);
  }

  /** Forgets a folder that is gone from the source. */
  async forget(folder: FolderRef): Promise<void> {
    this.mirrors.delete(folder.raw);
    this.sourceReads.delete(folder.raw);
    this.checkpoints.delete(folder.name);
    await this.repo.deleteFolder(this.moveId, folder.name);
  }

  /** One pass over one folder: see the class comment. */
  async pass(lane: Lane, folder: FolderRef, mode: PassMode): Promise<PassResult> {
    const result: PassResult = {
      copied: 0,
      copiedBytes: 0,
      flagsChanged: 0,
      expunged: 0,
      vanished: false,
    };
    let src: OpenFolder;
    try {
      src = await lane.src.open(folder.raw, true);
    } catch (err) {
      if (err instanceof ImapNotFoundError) return { ...result, vanished: true };
      throw err;
    }
    let cp = this.checkpoints.get(folder.name) ?? (await this.newCheckpoint(folder, src));
    let mirror = this.mirrors.get(folder.raw);

    if (cp.sourceUidvalidity !== null && cp.sourceUidvalidity !== src.uidValidity) {
      // deleted and created again under the same name: the old copy is of nothing
      if (mode === 'sweep') {
        this.log.warn('folder was recreated on the source after the flip; not swept', {
          move: this.moveId,
          folder: folder.name,
        });
        return result;
      }
      await lane.dst.open(folder.raw, false);
      const stale = await lane.dst.allUids();
      if (stale.length) await lane.dst.expungeUids(stale);
      result.expunged += stale.length;
      mirror = undefined;
      cp = await this.resetCheckpoint(folder, src);
    }

    if (mirror && !mirror.stale && unchanged(src, mirror)) {
      // nothing at all happened in this folder since the last pass (the common case in the freeze)
      return result;
    }
    const dst = await lane.dst.open(folder.raw, mode === 'sweep');
    if (mirror && (mirror.dstUidValidity !== dst.uidValidity || mirror.stale)) mirror = undefined;

    let toCopy: MessageMeta[];
    if (!mirror) {
      ({ mirror, toCopy } = await this.rebuild(lane, src, dst, mode, cp, result));
    } else {
      toCopy = await this.delta(lane, src, mirror, mode, cp, result);
    }
    this.mirrors.set(folder.raw, mirror);

    if (toCopy.length > 0) await this.copy(lane, folder, mirror, toCopy, result);

    mirror.srcModseq = src.highestModseq;
    mirror.srcUidNext = src.uidNext;
    mirror.srcExists = src.exists;
    let highest = cp.lastCopiedUid;
    for (const uid of mirror.map.keys()) if (uid > highest) highest = uid;
    const bytes = sumSizes(mirror);
    cp = {
      ...cp,
      sourceUidvalidity: src.uidValidity,
      lastCopiedUid: highest,
      highestModseq: src.highestModseq,
      // at the end of a pass everything the source had when it began is on the target
      messagesTotal: mirror.map.size,
      messagesDone: mirror.map.size,
      bytesTotal: bytes,
      bytesDone: bytes,
      done: true,
    };
    this.progress.setFolder(folder.name, {
      messagesTotal: mirror.map.size,
      bytesTotal: bytes,
      messagesDone: mirror.map.size,
      bytesDone: bytes,
    });
    this.checkpoints.set(folder.name, cp);
    await this.repo.saveFolder(this.moveId, cp);
    return result;
  }

  /** Pairs both sides by digest and works out everything that differs. */
  private async rebuild(
    lane: Lane,
    src: OpenFolder,
    dst: OpenFolder,
    mode: PassMode,
    cp: FolderCheckpoint,
    result: PassResult,
  ): Promise<{ mirror: Mirror; toCopy: MessageMeta[] }> {
    const srcMeta = src.exists > 0 ? await lane.src.fetchMeta() : [];
    this.sourceReads.set(src.raw, {
      uidValidity: src.uidValidity,
      highestModseq: src.highestModseq,
      exists: src.exists,
      metas: srcMeta,
    });
    const dstMeta = dst.exists > 0 ? await lane.dst.fetchMeta() : [];
    const match = matchByDigest(srcMeta, dstMeta);
    const srcBy = new Map(srcMeta.map((m) => [m.uid, m]));
    const dstBy = new Map(dstMeta.map((m) => [m.uid, m]));
    const mirror: Mirror = {
      srcUidValidity: src.uidValidity,
      dstUidValidity: dst.uidValidity,
      srcModseq: src.highestModseq,
      srcUidNext: src.uidNext,
      srcExists: src.exists,
      map: new Map(),
      stale: false,
    };
    const flagChanges: { uid: number; flags: string[] }[] = [];
    for (const [s, d] of match.pairs) {
      const sm = srcBy.get(s)!;
      const dm = dstBy.get(d)!;
      const want = canonicalFlags(sm.flags);
      const have = canonicalFlags(dm.flags);
      mirror.map.set(s, {
        dstUid: d,
        digest: sm.digest,
        flags: mode === 'sync' ? want : have,
        size: sm.size,
      });
      if (mode === 'sync' && want !== have) flagChanges.push({ uid: d, flags: sm.flags });
    }
    let toCopy = match.sourceOnly.map((uid) => srcBy.get(uid)!);
    this.progress.setFolder(cp.name, {
      messagesTotal: srcMeta.length,
      bytesTotal: srcMeta.reduce((sum, m) => sum + m.size, 0),
      messagesDone: mirror.map.size,
      bytesDone: sumSizes(mirror),
    });
    if (mode === 'sync') {
      if (flagChanges.length) await lane.dst.setFlags(flagChanges);
      result.flagsChanged += flagChanges.length;
      if (match.targetOnly.length) {
        // on the target but no copy of anything on the source: an expunged message, or a
        // second copy; before the flip the target is ours alone
        await lane.dst.expungeUids(match.targetOnly);
        result.expunged += match.targetOnly.length;
      }
    } else {
      // after the flip the target is live: only what reached the source late is added
      toCopy = toCopy.filter((m) => m.uid > cp.lastCopiedUid);
    }
    return { mirror, toCopy };
  }

  /** What changed on the source since the last pass of this run (CONDSTORE). */
  private async delta(
    lane: Lane,
    src: OpenFolder,
    mirror: Mirror,
    mode: PassMode,
    cp: FolderCheckpoint,
    result: PassResult,
  ): Promise<MessageMeta[]> {
    if (unchanged(src, mirror)) return [];
    const changed =
      mirror.srcModseq !== null
        ? await lane.src.fetchChangedSince(mirror.srcModseq)
        : (await lane.src.fetchMeta()).map((m) => ({ uid: m.uid, flags: m.flags }));
    const flagChanges: { uid: number; flags: string[] }[] = [];
    const newUids: number[] = [];
    for (const c of changed) {
      const known = mirror.map.get(c.uid);
      if (!known) {
        newUids.push(c.uid);
        continue;
      }
      const want = canonicalFlags(c.flags);
      if (mode === 'sync' && want !== known.flags) {
        flagChanges.push({ uid: known.dstUid, flags: c.flags });
        known.flags = want;
      }
    }
    if (flagChanges.length) {
      await lane.dst.setFlags(flagChanges);
      result.flagsChanged += flagChanges.length;
    }
    let toCopy = newUids.length ? await lane.src.fetchMeta(newUids) : [];
    if (toCopy.length) {
      this.progress.setFolder(cp.name, {
        messagesTotal: mirror.map.size + toCopy.length,
        bytesTotal: sumSizes(mirror) + toCopy.reduce((sum, m) => sum + m.size, 0),
        messagesDone: mirror.map.size,
        bytesDone: sumSizes(mirror),
      });
    }
    if (mode === 'sweep') return toCopy.filter((m) => m.uid > cp.lastCopiedUid);

    // expunges: the counts tell whether any happened; then the UID list tells which
    if (src.exists !== mirror.map.size + toCopy.length) {
      const present = new Set(await lane.src.allUids());
      const gone = [...mirror.map.keys()].filter((uid) => !present.has(uid));
      if (gone.length) {
        await lane.dst.expungeUids(gone.map((uid) => mirror.map.get(uid)!.dstUid));
        for (const uid of gone) mirror.map.delete(uid);
        result.expunged += gone.length;
      }
      toCopy = toCopy.filter((m) => present.has(m.uid));
    }
    return toCopy;
  }

  /**
   * Copies `metas` in MULTIAPPEND batches (count and byte limits), fetching the next batch
   * while the current one is stored. Memory stays within the move's budget.
   */
  private async copy(
    lane: Lane,
    folder: FolderRef,
    mirror: Mirror,
    metas: MessageMeta[],
    result: PassResult,
  ): Promise<void> {
    const batches = planBatches(metas, this.settings.batchMessages, this.settings.batchBytes);
    const digests = new Map(metas.map((m) => [m.uid, m.digest]));
    const fetchBatch = async (batch: MessageMeta[]) => {
      const bytes = batch.reduce((sum, m) => sum + m.size, 0);
      const release = await this.memory.acquire(bytes);
      try {
        const wanted = new Map(batch.map((m) => [m.uid, m]));
        const messages = await lane.src.fetchMessages(batch.map((m) => m.uid));
        // a cheap check here; the verification compares Cyrus' own SHA-1s of both sides
        for (const m of messages) {
          const meta = wanted.get(m.uid);
          if (meta && m.raw.length !== meta.size) {
            throw new MovePermanentError(
              `folder "${folder.name}" UID ${m.uid}: ${m.raw.length} bytes read, the source says ${meta.size}`,
            );
          }
        }
        return { messages: messages.filter((m) => wanted.has(m.uid)), release };
      } catch (err) {
        release();
        throw err;
      }
    };

    let next: Promise<{ messages: TransferMessage[]; release: () => void }> | undefined =
      fetchBatch(batches[0]);
    for (let i = 0; i < batches.length; i++) {
      const current = await next!;
      next = i + 1 < batches.length ? fetchBatch(batches[i + 1]) : undefined;
      // a failing prefetch is reported when awaited; keep it from being unhandled meanwhile
      next?.catch(() => undefined);
      try {
        await this.appendSplitting(lane, folder, mirror, current.messages, digests, result);
      } finally {
        current.release();
      }
      this.progress.throwIfAborted();
    }
  }

  /** MULTIAPPEND is all-or-nothing: a refused batch is halved until the refused message is found. */
  private async appendSplitting(
    lane: Lane,
    folder: FolderRef,
    mirror: Mirror,
    messages: TransferMessage[],
    digests: ReadonlyMap<number, string>,
    result: PassResult,
  ): Promise<void> {
    if (messages.length === 0) return;
    let stored: { uids: number[] };
    try {
      stored = await lane.dst.multiAppend(folder.raw, messages);
    } catch (err) {
      if (!(err instanceof ImapError) || err.kind === 'connection') throw err;
      if (messages.length === 1) {
        const m = messages[0];
        throw new MovePermanentError(
          `folder "${folder.name}" UID ${m.uid} (${m.raw.length} bytes) cannot be copied: ` +
            `the target answered ${err.responseText ?? err.message}`,
        );
      }
      const half = Math.ceil(messages.length / 2);
      this.log.warn('target refused a batch; splitting it', {
        move: this.moveId,
        folder: folder.name,
        messages: messages.length,
        reason: err.responseText ?? err.message,
      });
      await this.appendSplitting(lane, folder, mirror, messages.slice(0, half), digests, result);
      await this.appendSplitting(lane, folder, mirror, messages.slice(half), digests, result);
      return;
    }
    const bytes = messages.reduce((sum, m) => sum + m.raw.length, 0);
    const known = messages.every((m) => digests.has(m.uid));
    if (stored.uids.length === messages.length && known) {
      messages.forEach((m, i) =>
        mirror.map.set(m.uid, {
          dstUid: stored.uids[i],
          digest: digests.get(m.uid)!,
          flags: canonicalFlags(m.flags),
          size: m.raw.length,
        }),
      );
    } else {
      mirror.stale = true;
    }
    const last = Math.max(...messages.map((m) => m.uid));
    await this.repo.checkpoint(this.moveId, folder.name, last, messages.length, bytes);
    const cp = this.checkpoints.get(folder.name);
    if (cp) {
      cp.lastCopiedUid = Math.max(cp.lastCopiedUid, last);
      cp.messagesDone += messages.length;
      cp.bytesDone += bytes;
    }
    this.progress.copied(folder.name, messages.length, bytes);
    result.copied += messages.length;
    result.copiedBytes += bytes;
  }

  private async newCheckpoint(folder: FolderRef, src: OpenFolder): Promise<FolderCheckpoint> {
    const cp: FolderCheckpoint = {
      name: folder.name,
      sourceUidvalidity: src.uidValidity,
      lastCopiedUid: 0,
      highestModseq: null,
      messagesTotal: src.exists,
      messagesDone: 0,
      bytesTotal: 0,
      bytesDone: 0,
      done: false,
    };
    await this.repo.saveFolder(this.moveId, cp);
    this.checkpoints.set(folder.name, cp);
    return cp;
  }

  private async resetCheckpoint(folder: FolderRef, src: OpenFolder): Promise<FolderCheckpoint> {
    this.checkpoints.delete(folder.name);
    return this.newCheckpoint(folder, src);
  }
}

function unchanged(src: OpenFolder, mirror: Mirror): boolean {
  return (
    src.highestModseq !== null &&
    src.highestModseq === mirror.srcModseq &&
    src.uidNext === mirror.srcUidNext &&
    src.exists === mirror.srcExists &&
    src.uidValidity === mirror.srcUidValidity
  );
}

function sumSizes(mirror: Mirror): number {
  let bytes = 0;
  for (const e of mirror.map.values()) bytes += e.size;
  return bytes;
}

/** Batches of at most `maxMessages` and `maxBytes`; a message above `maxBytes` goes alone. */
export function planBatches(
  metas: readonly MessageMeta[],
  maxMessages: number,
  maxBytes: number,
): MessageMeta[][] {
  const batches: MessageMeta[][] = [];
  let current: MessageMeta[] = [];
  let bytes = 0;
  for (const m of [...metas].sort((a, b) => a.uid - b.uid)) {
    if (current.length > 0 && (current.length >= maxMessages || bytes + m.size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += m.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
