import { FolderInfo, MetadataEntry, TransferSession } from '@roost/imap';

/**
 * Everything of a user's mailbox that is not a message: the folder tree, subscriptions,
 * special-use, the ACLs the user granted on their folders, and folder metadata. Read and
 * written as the owner on both sides, so private (per-user) values are the owner's.
 */

/** Cyrus' own per-folder settings that a user may set (notes: probed on 3.6.1); the rest is computed. */
const CYRUS_SETTABLE = new Set([
  'expire',
  'sharedseen',
  'duplicatedeliver',
  'pop3showafter',
  'news2mail',
  'sieve',
  'squat',
  'archive',
  'delete',
  'search-fuzzy-always',
]);
const CYRUS_VENDOR = /^\/(private|shared)\/vendor\/cmu\/cyrus-imapd\/(.+)$/;

/** Whether a metadata entry belongs to the user's data (and can be written back). */
export function copyableEntry(entry: string, serverLevel: boolean): boolean {
  if (serverLevel && !entry.startsWith('/private/')) return false;
  if (entry === '/private' || entry === '/shared') return false;
  const vendor = CYRUS_VENDOR.exec(entry);
  if (vendor) return !serverLevel && CYRUS_SETTABLE.has(vendor[2]);
  return entry.startsWith('/private/') || entry.startsWith('/shared/');
}

export interface StructureChanges {
  createFolders: string[];
  deleteFolders: string[];
  subscribe: string[];
  unsubscribe: string[];
  /** folder -> identifier -> rights ('' = remove). */
  acl: { folder: string; identifier: string; rights: string }[];
  metadata: { folder: string; entry: string; value: string | null }[];
}

export interface StructureResult {
  folders: FolderInfo[];
  changes: StructureChanges;
  /** True when the target already matched the source. */
  same: boolean;
  /** Subscriptions of folders that do not exist on the source (Cyrus cannot recreate them). */
  danglingSubscriptions: string[];
}

function emptyChanges(): StructureChanges {
  return {
    createFolders: [],
    deleteFolders: [],
    subscribe: [],
    unsubscribe: [],
    acl: [],
    metadata: [],
  };
}

/** A folder, not just a subscription to a name that does not exist. */
function exists(f: FolderInfo): boolean {
  return !f.attributes.some((a) => a.toLowerCase() === '\\nonexistent');
}

function depth(raw: string, delimiter: string | null): number {
  return delimiter ? raw.split(delimiter).length : 1;
}

/**
 * Makes the target's structure equal to the source's (or, with `apply: false`, only lists the
 * differences: the verification uses that). Folders only on the target are deleted when
 * `deleteExtra` (before the flip the target is ours alone).
 */
export async function syncStructure(
  src: TransferSession,
  dst: TransferSession,
  opts: { apply: boolean; deleteExtra: boolean },
): Promise<StructureResult> {
  const changes = emptyChanges();
  const srcFolders = await src.listFolders();
  let dstFolders = await dst.listFolders();
  const srcReal = srcFolders.filter(exists);
  const dstReal = new Map(dstFolders.filter(exists).map((f) => [f.raw, f]));

  for (const f of [...srcReal].sort(
    (a, b) => depth(a.raw, a.delimiter) - depth(b.raw, b.delimiter),
  )) {
    if (dstReal.has(f.raw)) continue;
    changes.createFolders.push(f.raw);
    if (opts.apply) await dst.createFolder(f.raw);
  }
  if (opts.deleteExtra) {
    const srcNames = new Set(srcReal.map((f) => f.raw));
    const extra = [...dstReal.values()]
      .filter((f) => !srcNames.has(f.raw) && f.raw !== 'INBOX')
      .sort((a, b) => depth(b.raw, b.delimiter) - depth(a.raw, a.delimiter));
    for (const f of extra) {
      changes.deleteFolders.push(f.raw);
      if (opts.apply) await dst.deleteFolder(f.raw);
    }
  }
  if (opts.apply && (changes.createFolders.length || changes.deleteFolders.length)) {
    dstFolders = await dst.listFolders();
  }

  // subscriptions; Cyrus refuses to subscribe to a folder that does not exist, so a source
  // subscription left over from a deleted folder cannot be carried (reported, not compared)
  const srcSubs = new Set(srcFolders.filter((f) => f.subscribed && exists(f)).map((f) => f.raw));
  const dstSubs = new Set(dstFolders.filter((f) => f.subscribed && exists(f)).map((f) => f.raw));
  const dangling = srcFolders.filter((f) => f.subscribed && !exists(f)).map((f) => f.name);
  for (const raw of srcSubs) {
    if (dstSubs.has(raw)) continue;
    changes.subscribe.push(raw);
    if (opts.apply) await dst.subscribe(raw);
  }
  for (const raw of dstSubs) {
    if (srcSubs.has(raw)) continue;
    changes.unsubscribe.push(raw);
    if (opts.apply) await dst.unsubscribe(raw);
  }

  // per folder: metadata (special-use is /private/specialuse) and ACLs; '' is the server's own
  const dstNow = new Set(dstFolders.map((f) => f.raw));
  const common = srcReal.filter((f) => f.selectable && (dstNow.has(f.raw) || opts.apply));
  for (const raw of ['', ...common.map((f) => f.raw)]) {
    const serverLevel = raw === '';
    const want = metadataMap(
      await src.getMetadata(raw, serverLevel ? ['/private'] : undefined),
      serverLevel,
    );
    const have =
      dstNow.has(raw) || serverLevel
        ? metadataMap(
            await dst.getMetadata(raw, serverLevel ? ['/private'] : undefined),
            serverLevel,
          )
        : new Map<string, string>();
    const updates: MetadataEntry[] = [];
    for (const [entry, value] of want)
      if (have.get(entry) !== value) updates.push({ entry, value });
    for (const entry of have.keys()) if (!want.has(entry)) updates.push({ entry, value: null });
    for (const u of updates) changes.metadata.push({ folder: raw, ...u });
    if (opts.apply) for (const u of updates) await dst.setMetadata(raw, [u]);
  }
  for (const f of common) {
    const want = await src.getAcl(f.raw);
    const have = dstNow.has(f.raw) ? await dst.getAcl(f.raw) : {};
    const owner = src.address;
    const ids = [...new Set([...Object.keys(want), ...Object.keys(have)])].sort((a, b) =>
      a === owner ? 1 : b === owner ? -1 : a < b ? -1 : 1,
    );
    for (const id of ids) {
      const rights = want[id] ?? '';
      if ((have[id] ?? '') === rights) continue;
      changes.acl.push({ folder: f.raw, identifier: id, rights });
      if (!opts.apply) continue;
      if (rights === '') await dst.deleteAcl(f.raw, id);
      else await dst.setAcl(f.raw, id, rights);
    }
  }

  const same =
    changes.createFolders.length === 0 &&
    changes.deleteFolders.length === 0 &&
    changes.subscribe.length === 0 &&
    changes.unsubscribe.length === 0 &&
    changes.acl.length === 0 &&
    changes.metadata.length === 0;
  return {
    folders: srcReal.filter((f) => f.selectable),
    changes,
    same,
    danglingSubscriptions: dangling,
  };
}

function metadataMap(entries: MetadataEntry[], serverLevel: boolean): Map<string, string> {
  const map = new Map<string, string>();
  for (const e of entries) {
    if (e.value !== null && copyableEntry(e.entry, serverLevel)) map.set(e.entry, e.value);
  }
  return map;
}
