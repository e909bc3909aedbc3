import { ImapFlow } from 'imapflow';
import { decodePath } from 'imapflow/lib/tools.js';
import { ImapCommandError, toImapError } from '../errors';
import {
  CyrusBackendConfig,
  DEFAULT_IMAP_TIMEOUTS,
  ImapTimeouts,
  imapFlowOptions,
} from '../options';
import { useLiteralPlusForAppend } from './literal-plus';
import { MessageMeta, TransferMessage, storableFlags } from './message-meta';
import { chunk as slices, compressUids, expandUidSet } from './uid-set';

/**
 * The connection a move copies through: as the mailbox owner (SASL PLAIN, authcid = admin,
 * authzid = owner, so `\Seen` is the owner's, notes/cyrus.md §2), or as the admin for XFER.
 *
 * Everything goes through imapflow's internal `exec()` (pinned to 2.10.2, notes/cyrus.md §6.2)
 * with mailbox names exactly as the server lists them (modified UTF-7 when non-ASCII), so no path
 * normalisation ever rewrites a name. imapflow's own mailbox state stays closed; its untagged
 * handlers ignore EXISTS/FETCH/EXPUNGE then.
 */

type Node = { type?: string; value?: unknown; section?: unknown[] } | Node[] | null | undefined;
interface Untagged {
  command?: string;
  attributes?: Node[];
}
type Handlers = Record<string, (u: Untagged) => void>;
interface Internals {
  exec(
    command: string,
    attributes: unknown[] | false,
    options?: { untagged?: Handlers },
  ): Promise<{ response: { attributes?: Node[] }; next(): void }>;
}

const atom = (value: string) => ({ type: 'ATOM', value });
const str = (value: string) => ({ type: 'STRING', value });
const seq = (value: string) => ({ type: 'SEQUENCE', value });
const fetchItems = (items: string[]) => items.map((i) => atom(i));

export interface FolderInfo {
  /** As the owner reads it (UTF-8): `Archive/2023`, `Entwürfe`. */
  name: string;
  /** As the server lists it (modified UTF-7): the name every command uses. */
  raw: string;
  delimiter: string | null;
  /** LIST attributes (`\HasChildren`, `\Noselect`, `\Subscribed`, special-use, ...). */
  attributes: string[];
  specialUse: string | null;
  subscribed: boolean;
  /** False for `\Noselect` / `\NonExistent` (a subscription without a folder). */
  selectable: boolean;
}

export interface OpenFolder {
  raw: string;
  uidValidity: number;
  uidNext: number;
  exists: number;
  /** HIGHESTMODSEQ (64-bit, kept as a decimal string); null without CONDSTORE. */
  highestModseq: string | null;
  readOnly: boolean;
}

export interface AppendResult {
  uidValidity: number | null;
  /** Target UIDs in the order the messages were given (APPENDUID); empty without UIDPLUS. */
  uids: number[];
}

export interface MetadataEntry {
  entry: string;
  value: string | null;
}

export interface XferUserResult {
  ok: boolean;
  /** The server's text per `* OK USER` / `* NO USER` line. */
  lines: string[];
}

const SPECIAL_USE = new Set([
  '\\all',
  '\\archive',
  '\\drafts',
  '\\flagged',
  '\\junk',
  '\\sent',
  '\\trash',
  '\\important',
]);

export class TransferSession {
  lastError: Error | undefined;
  /** When the last command finished (Date.now()); callers check an idle session before reuse. */
  lastUsedAt = Date.now();
  private selected: OpenFolder | null = null;
  private closed = false;

  private constructor(
    private readonly client: ImapFlow,
    readonly backend: CyrusBackendConfig,
    /** The owner this session acts as; undefined for an admin session. */
    readonly address: string | undefined,
    private readonly timeouts: ImapTimeouts,
    /** Whether APPEND literals go out as LITERAL+ (see literal-plus.ts). */
    readonly literalPlus: boolean,
  ) {
    client.on('error', (err: Error) => {
      this.lastError = err;
    });
  }

  /** Logs in as `address` with the admin's credentials, or as the admin when `address` is undefined. */
  static async open(
    backend: CyrusBackendConfig,
    secret: string,
    address: string | undefined,
    timeouts: Partial<ImapTimeouts> = {},
  ): Promise<TransferSession> {
    const t = { ...DEFAULT_IMAP_TIMEOUTS, ...timeouts };
    const credentials =
      address === undefined
        ? { user: backend.adminUser, pass: secret }
        : { user: backend.adminUser, pass: secret, authzid: address };
    const client = new ImapFlow(imapFlowOptions(backend, credentials, t));
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      client.close();
      throw toImapError(err, { backend: backend.name, command: 'LOGIN' });
    }
    const plus = useLiteralPlusForAppend(client);
    return new TransferSession(client, backend, address, t, plus);
  }

  get usable(): boolean {
    return !this.closed && this.client.usable;
  }

  hasCapability(name: string): boolean {
    return this.client.capabilities.has(name.toUpperCase());
  }

  /** The folder SELECT/EXAMINE opened last, if any. */
  get current(): OpenFolder | null {
    return this.selected;
  }

  // ---- folders --------------------------------------------------------------------------------

  /** LIST "" "*" RETURN (SUBSCRIBED SPECIAL-USE), plus subscriptions of folders that do not exist. */
  async listFolders(): Promise<FolderInfo[]> {
    const found = new Map<string, FolderInfo>();
    const onList = (u: Untagged) => {
      const info = this.folderFromList(u);
      if (info) found.set(info.raw, info);
    };
    await this.exec(
      'LIST',
      [str(''), str('*'), atom('RETURN'), [atom('SUBSCRIBED'), atom('SPECIAL-USE')]],
      undefined,
      { LIST: onList },
    );
    // LIST (SUBSCRIBED) also reports subscriptions whose folder is gone (\NonExistent)
    await this.exec('LIST', [[atom('SUBSCRIBED')], str(''), str('*')], undefined, {
      LIST: (u) => {
        const info = this.folderFromList(u);
        if (!info) return;
        const known = found.get(info.raw);
        if (known) known.subscribed = true;
        else {
          // only subscribed: the folder itself does not exist (Cyrus also says \NonExistent)
          const attributes = info.attributes.some((a) => a.toLowerCase() === '\\nonexistent')
            ? info.attributes
            : [...info.attributes, '\\NonExistent'];
          found.set(info.raw, { ...info, attributes, subscribed: true, selectable: false });
        }
      },
    });
    return [...found.values()].sort((a, b) => (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0));
  }

  private folderFromList(u: Untagged): FolderInfo | null {
    const attrs = u.attributes ?? [];
    const flags = listOf(attrs[0])
      .map(textOf)
      .filter((f): f is string => f !== undefined);
    const delimiter = textOf(attrs[1]) ?? null;
    const raw = textOf(attrs[2]);
    if (raw === undefined) return null;
    const lower = flags.map((f) => f.toLowerCase());
    const special = flags.find((f) => SPECIAL_USE.has(f.toLowerCase())) ?? null;
    return {
      name: raw.toUpperCase() === 'INBOX' ? 'INBOX' : decodePath(this.client, raw),
      raw: raw.toUpperCase() === 'INBOX' ? 'INBOX' : raw,
      delimiter,
      attributes: flags,
      specialUse: special,
      subscribed: lower.includes('\\subscribed'),
      selectable: !lower.includes('\\noselect') && !lower.includes('\\nonexistent'),
    };
  }

  async createFolder(raw: string): Promise<boolean> {
    try {
      await this.exec('CREATE', [str(raw)], raw);
      return true;
    } catch (err) {
      if (toImapError(err).kind === 'already-exists') return false;
      throw err;
    }
  }

  async deleteFolder(raw: string): Promise<void> {
    if (this.selected?.raw === raw) await this.unselect();
    await this.exec('DELETE', [str(raw)], raw);
  }

  async subscribe(raw: string): Promise<void> {
    await this.exec('SUBSCRIBE', [str(raw)], raw);
  }

  async unsubscribe(raw: string): Promise<void> {
    await this.exec('UNSUBSCRIBE', [str(raw)], raw);
  }

  async getAcl(raw: string): Promise<Record<string, string>> {
    const acl: Record<string, string> = {};
    await this.exec('GETACL', [str(raw)], raw, {
      ACL: (u) => {
        const parts = (u.attributes ?? []).slice(1).map(textOf);
        for (let i = 0; i + 1 < parts.length; i += 2) {
          const who = parts[i];
          const rights = parts[i + 1];
          if (who !== undefined && rights !== undefined) acl[who] = rights;
        }
      },
    });
    return acl;
  }

  async setAcl(raw: string, identifier: string, rights: string): Promise<void> {
    await this.exec('SETACL', [str(raw), str(identifier), str(rights)], raw);
  }

  async deleteAcl(raw: string, identifier: string): Promise<void> {
    await this.exec('DELETEACL', [str(raw), str(identifier)], raw);
  }

  /** GETMETADATA (DEPTH infinity) of `/private` and `/shared`; `raw` '' is the server's own. */
  async getMetadata(
    raw: string,
    roots: string[] = ['/private', '/shared'],
  ): Promise<MetadataEntry[]> {
    const entries: MetadataEntry[] = [];
    await this.exec(
      'GETMETADATA',
      [[atom('DEPTH'), atom('infinity')], str(raw), roots.map((r) => str(r))],
      raw,
      {
        METADATA: (u) => {
          const list = listOf((u.attributes ?? [])[1]);
          for (let i = 0; i + 1 < list.length; i += 2) {
            const entry = textOf(list[i]);
            if (entry !== undefined) entries.push({ entry, value: textOf(list[i + 1]) ?? null });
          }
        },
      },
    );
    return entries;
  }

  async setMetadata(raw: string, entries: MetadataEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const list: unknown[] = [];
    for (const e of entries) {
      list.push(str(e.entry));
      list.push(e.value === null ? null : literalOrString(e.value));
    }
    await this.exec('SETMETADATA', [str(raw), list], raw);
  }

  // ---- selecting ------------------------------------------------------------------------------

  /** EXAMINE (read-only) or SELECT, with CONDSTORE so that MODSEQs are reported. */
  async open(raw: string, readOnly: boolean): Promise<OpenFolder> {
    const info: OpenFolder = {
      raw,
      uidValidity: 0,
      uidNext: 0,
      exists: 0,
      highestModseq: null,
      readOnly,
    };
    this.selected = null;
    await this.exec(readOnly ? 'EXAMINE' : 'SELECT', [str(raw), [atom('CONDSTORE')]], raw, {
      EXISTS: (u) => {
        info.exists = Number(u.command);
      },
      OK: (u) => {
        const section = (u.attributes ?? [])[0];
        const code = sectionOf(section);
        if (!code) return;
        const key = textOf(code[0])?.toUpperCase();
        const value = textOf(code[1]);
        if (key === 'UIDVALIDITY' && value) info.uidValidity = Number(value);
        else if (key === 'UIDNEXT' && value) info.uidNext = Number(value);
        else if (key === 'HIGHESTMODSEQ' && value) info.highestModseq = value;
      },
    });
    if (!info.uidValidity) {
      throw new ImapCommandError(`no UIDVALIDITY for ${raw} on backend ${this.backend.name}`, {
        backend: this.backend.name,
        command: 'SELECT',
        mailbox: raw,
      });
    }
    this.selected = info;
    return info;
  }

  async unselect(): Promise<void> {
    if (!this.selected) return;
    this.selected = null;
    await this.exec('UNSELECT', []);
  }

  /** STATUS of a folder without selecting it. */
  async status(raw: string): Promise<{
    messages: number;
    uidNext: number;
    uidValidity: number;
    highestModseq: string | null;
    size: number;
  }> {
    const out = {
      messages: 0,
      uidNext: 0,
      uidValidity: 0,
      highestModseq: null as string | null,
      size: 0,
    };
    await this.exec(
      'STATUS',
      [
        str(raw),
        [
          atom('MESSAGES'),
          atom('UIDNEXT'),
          atom('UIDVALIDITY'),
          atom('HIGHESTMODSEQ'),
          atom('SIZE'),
        ],
      ],
      raw,
      {
        STATUS: (u) => {
          const list = listOf((u.attributes ?? [])[1]);
          for (let i = 0; i + 1 < list.length; i += 2) {
            const key = textOf(list[i])?.toUpperCase();
            const value = textOf(list[i + 1]);
            if (value === undefined) continue;
            if (key === 'MESSAGES') out.messages = Number(value);
            else if (key === 'UIDNEXT') out.uidNext = Number(value);
            else if (key === 'UIDVALIDITY') out.uidValidity = Number(value);
            else if (key === 'HIGHESTMODSEQ') out.highestModseq = value;
            else if (key === 'SIZE') out.size = Number(value);
          }
        },
      },
    );
    return out;
  }

  // ---- reading the selected folder -------------------------------------------------------------

  /** Every UID of the selected folder (ESEARCH keeps the answer compact for 100,000 messages). */
  async allUids(): Promise<number[]> {
    let uids: number[] = [];
    const folder = this.requireSelected();
    await this.exec('UID SEARCH', [atom('RETURN'), [atom('ALL')], atom('ALL')], folder.raw, {
      ESEARCH: (u) => {
        const attrs = u.attributes ?? [];
        for (let i = 0; i < attrs.length; i++) {
          if (textOf(attrs[i])?.toUpperCase() === 'ALL')
            uids = expandUidSet(textOf(attrs[i + 1]) ?? '');
        }
      },
      SEARCH: (u) => {
        uids = (u.attributes ?? []).map((a) => Number(textOf(a))).filter((n) => n > 0);
      },
    });
    return uids.sort((a, b) => a - b);
  }

  /**
   * UID, size, SHA-1, flags and internal date of `uids` (all when omitted), without bodies.
   * Asked in slices so a 100,000-message folder never builds one huge command or answer.
   */
  async fetchMeta(uids?: readonly number[], sliceSize = 5000): Promise<MessageMeta[]> {
    const folder = this.requireSelected();
    const items = ['UID', 'RFC822.SIZE', 'DIGEST.SHA1', 'FLAGS', 'INTERNALDATE'];
    if (folder.highestModseq !== null) items.push('MODSEQ');
    const out: MessageMeta[] = [];
    let missingDigest: number | undefined;
    const sets = uids === undefined ? ['1:*'] : slices(uids, sliceSize).map((s) => compressUids(s));
    for (const set of sets) {
      if (set === '') continue;
      await this.exec('UID FETCH', [seq(set), fetchItems(items)], folder.raw, {
        FETCH: (u) => {
          const m = parseFetch(u);
          if (m.uid === undefined) return;
          if (m.digest === undefined) {
            missingDigest ??= m.uid;
            return;
          }
          out.push({
            uid: m.uid,
            size: m.size ?? 0,
            digest: m.digest,
            flags: storableFlags(m.flags ?? []),
            internalDate: m.internalDate ?? '',
            modseq: m.modseq,
          });
        },
      });
    }
    if (missingDigest !== undefined) {
      // never throw inside an untagged handler: imapflow's reader would stall
      throw new ImapCommandError(
        `backend ${this.backend.name} returned no DIGEST.SHA1 for UID ${missingDigest} in ${folder.raw}`,
        { backend: this.backend.name, command: 'UID FETCH', mailbox: folder.raw },
      );
    }
    return out.sort((a, b) => a.uid - b.uid);
  }

  /** Messages whose flags changed (or which arrived) after `modseq` (CONDSTORE CHANGEDSINCE). */
  async fetchChangedSince(
    modseq: string,
  ): Promise<{ uid: number; flags: string[]; modseq?: string }[]> {
    const folder = this.requireSelected();
    const out: { uid: number; flags: string[]; modseq?: string }[] = [];
    await this.exec(
      'UID FETCH',
      [seq('1:*'), fetchItems(['UID', 'FLAGS']), [atom('CHANGEDSINCE'), atom(modseq)]],
      folder.raw,
      {
        FETCH: (u) => {
          const m = parseFetch(u);
          if (m.uid !== undefined)
            out.push({ uid: m.uid, flags: storableFlags(m.flags ?? []), modseq: m.modseq });
        },
      },
    );
    return out.sort((a, b) => a.uid - b.uid);
  }

  /** Bodies (BODY.PEEK[], so `\Seen` is untouched), flags and internal dates of `uids`. */
  async fetchMessages(
    uids: readonly number[],
    onMessage?: (m: TransferMessage) => void,
  ): Promise<TransferMessage[]> {
    const folder = this.requireSelected();
    const out: TransferMessage[] = [];
    if (uids.length === 0) return out;
    await this.exec(
      'UID FETCH',
      [
        seq(compressUids(uids)),
        [
          atom('UID'),
          atom('FLAGS'),
          atom('INTERNALDATE'),
          { type: 'ATOM', value: 'BODY.PEEK', section: [] },
        ],
      ],
      folder.raw,
      {
        FETCH: (u) => {
          const m = parseFetch(u);
          if (m.uid === undefined || m.body === undefined) return;
          const message: TransferMessage = {
            uid: m.uid,
            flags: storableFlags(m.flags ?? []),
            internalDate: m.internalDate ?? '',
            raw: m.body,
          };
          if (onMessage) onMessage(message);
          else out.push(message);
        },
      },
    );
    return out.sort((a, b) => a.uid - b.uid);
  }

  // ---- writing --------------------------------------------------------------------------------

  /**
   * One APPEND with every message (MULTIAPPEND, RFC 3502): Cyrus stores all or none
   * (notes/cyrus.md §5), so a refused batch can be split and retried without duplicates.
   * Returns the target UIDs from APPENDUID in the order given.
   */
  async multiAppend(
    raw: string,
    messages: readonly Omit<TransferMessage, 'uid'>[],
  ): Promise<AppendResult> {
    if (messages.length === 0) return { uidValidity: null, uids: [] };
    // refused here rather than by the server: a non-synchronising literal above APPENDLIMIT
    // would be read to its end and answered NO [TOOBIG], or the connection dropped
    const limit = this.client.capabilities.get('APPENDLIMIT');
    const tooBig =
      typeof limit === 'number' && limit > 0
        ? messages.find((m) => m.raw.length > limit)
        : undefined;
    if (tooBig && typeof limit === 'number') {
      throw new ImapCommandError(
        `APPEND to ${raw} refused before sending: a message of ${tooBig.raw.length} bytes is above the APPENDLIMIT ${limit} of backend ${this.backend.name}`,
        {
          backend: this.backend.name,
          command: 'APPEND',
          mailbox: raw,
          responseText: `[TOOBIG] message of ${tooBig.raw.length} bytes above APPENDLIMIT ${limit}`,
        },
      );
    }
    const binary = this.hasCapability('BINARY');
    const attrs: unknown[] = [str(raw)];
    for (const m of messages) {
      attrs.push(storableFlags(m.flags).map((f) => atom(f)));
      if (m.internalDate) attrs.push(str(m.internalDate));
      attrs.push({ type: 'LITERAL', value: m.raw, isLiteral8: binary && m.raw.includes(0) });
    }
    const response = await this.exec('APPEND', attrs, raw);
    const code = sectionOf((response.attributes ?? [])[0]);
    if (code && textOf(code[0])?.toUpperCase() === 'APPENDUID') {
      const uidValidity = Number(textOf(code[1]));
      const uids = expandUidSet(textOf(code[2]) ?? '');
      if (uids.length === messages.length) return { uidValidity, uids };
    }
    return { uidValidity: null, uids: [] };
  }

  /** Sets the exact flags of target messages; messages sharing a flag set go in one command. */
  async setFlags(changes: readonly { uid: number; flags: string[] }[]): Promise<void> {
    const folder = this.requireSelected();
    const groups = new Map<string, { flags: string[]; uids: number[] }>();
    for (const c of changes) {
      const flags = storableFlags(c.flags);
      const key = [...flags].sort().join(' ');
      const group = groups.get(key);
      if (group) group.uids.push(c.uid);
      else groups.set(key, { flags, uids: [c.uid] });
    }
    for (const group of groups.values()) {
      for (const part of slices(group.uids, 2000)) {
        await this.exec(
          'UID STORE',
          [seq(compressUids(part)), atom('FLAGS.SILENT'), group.flags.map((f) => atom(f))],
          folder.raw,
        );
      }
    }
  }

  /** Removes exactly `uids` from the selected folder (UID EXPUNGE, never a plain EXPUNGE). */
  async expungeUids(uids: readonly number[]): Promise<void> {
    const folder = this.requireSelected();
    for (const part of slices(uids, 2000)) {
      const set = compressUids(part);
      await this.exec(
        'UID STORE',
        [seq(set), atom('+FLAGS.SILENT'), [atom('\\Deleted')]],
        folder.raw,
      );
      await this.exec('UID EXPUNGE', [seq(set)], folder.raw);
    }
  }

  // ---- admin ----------------------------------------------------------------------------------

  /**
   * XFER (admin only): Cyrus moves the user to `server` (`host:port`) over its replication
   * protocol and deletes it here. The tagged answer is OK even when it failed: the untagged
   * `* OK USER x` / `* NO USER x (reason)` lines tell (notes/cyrus.md §9).
   */
  async xfer(mailbox: string, server: string): Promise<XferUserResult> {
    const lines: string[] = [];
    let failed = false;
    const collect = (status: 'OK' | 'NO') => (u: Untagged) => {
      const text = (u.attributes ?? []).map(textOf).filter(Boolean).join(' ');
      if (!/^USER\b/i.test(text)) return;
      lines.push(`${status} ${text}`);
      if (status === 'NO') failed = true;
    };
    await this.exec('XFER', [str(mailbox), str(server)], mailbox, {
      OK: collect('OK'),
      NO: collect('NO'),
    });
    return { ok: !failed && lines.some((l) => l.startsWith('OK ')), lines };
  }

  async noop(): Promise<void> {
    await this.exec('NOOP', []);
  }

  /** True when the connection still answers (a NOOP), without throwing. */
  async alive(): Promise<boolean> {
    if (!this.usable) return false;
    try {
      await this.noop();
      return true;
    } catch {
      return false;
    }
  }

  /** LOGOUT, or just close the socket when the server does not answer in time. Never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.client.usable) {
      this.client.close();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.timeouts.logoutTimeoutMs);
    });
    try {
      await Promise.race([this.client.logout().catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
      this.client.close();
    }
  }

  private requireSelected(): OpenFolder {
    if (!this.selected) throw new Error('no folder is selected on this transfer session');
    return this.selected;
  }

  private async exec(
    command: string,
    attributes: unknown[],
    mailbox?: string,
    untagged?: Handlers,
  ): Promise<{ attributes?: Node[] }> {
    const internals = this.client as unknown as Internals;
    try {
      const result = await internals.exec(
        command,
        attributes.length ? attributes : false,
        untagged ? { untagged } : undefined,
      );
      result.next();
      return result.response;
    } catch (err) {
      throw toImapError(err, { backend: this.backend.name, command, mailbox });
    } finally {
      this.lastUsedAt = Date.now();
    }
  }
}

// ---- response parsing -----------------------------------------------------------------------

function textOf(node: Node): string | undefined {
  if (!node || Array.isArray(node)) return undefined;
  const value = node.value;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

function listOf(node: Node): Node[] {
  return Array.isArray(node) ? node : [];
}

function sectionOf(node: Node): Node[] | undefined {
  if (!node || Array.isArray(node)) return undefined;
  return Array.isArray(node.section) ? (node.section as Node[]) : undefined;
}

interface ParsedFetch {
  uid?: number;
  size?: number;
  digest?: string;
  flags?: string[];
  internalDate?: string;
  modseq?: string;
  body?: Buffer;
}

/** `* n FETCH (UID 5 FLAGS (...) ... BODY[] {n} ...)` as imapflow's parser hands it over. */
function parseFetch(u: Untagged): ParsedFetch {
  const list = listOf((u.attributes ?? [])[1]);
  const out: ParsedFetch = {};
  for (let i = 0; i + 1 < list.length; i += 2) {
    const keyNode = list[i];
    const key = textOf(keyNode)?.toUpperCase() ?? '';
    const value = list[i + 1];
    switch (key) {
      case 'UID':
        out.uid = Number(textOf(value));
        break;
      case 'RFC822.SIZE':
        out.size = Number(textOf(value));
        break;
      case 'DIGEST.SHA1':
        out.digest = textOf(value)?.toLowerCase();
        break;
      case 'FLAGS':
        out.flags = listOf(value)
          .map(textOf)
          .filter((f): f is string => f !== undefined);
        break;
      case 'INTERNALDATE':
        out.internalDate = textOf(value);
        break;
      case 'MODSEQ':
        out.modseq = textOf(listOf(value)[0]);
        break;
      case 'BODY':
      case 'BINARY': {
        const v = !value || Array.isArray(value) ? undefined : value.value;
        out.body = Buffer.isBuffer(v)
          ? v
          : typeof v === 'string'
            ? Buffer.from(v, 'binary')
            : Buffer.alloc(0);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function literalOrString(value: string): unknown {
  // a quoted string cannot carry CR, LF or NUL, and 8-bit text is safer as a literal
  return /[\r\n\0\x80-\uffff"\\]/.test(value)
    ? { type: 'LITERAL', value: Buffer.from(value, 'utf8') }
    : str(value);
}
