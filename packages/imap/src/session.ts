import { ImapFlow } from 'imapflow';
import { toImapError } from './errors';
import {
  CyrusBackendConfig,
  DEFAULT_IMAP_TIMEOUTS,
  ImapCredentials,
  ImapTimeouts,
  imapFlowOptions,
} from './options';
import { QuotaResources, parseQuotaResources } from './quota';

/** One untagged response as imapflow hands it to a handler. */
export interface UntaggedResponse {
  attributes?: unknown[];
}
type UntaggedHandlers = Record<string, (untagged: UntaggedResponse) => void | Promise<void>>;

/**
 * imapflow has no public API for SETQUOTA, SETACL, GETQUOTA or CREATE with USE, but its internal
 * `exec()` works (notes/cyrus.md §6.2, pinned to imapflow 2.10.2). The result must be released
 * with `next()`, or the connection stalls.
 */
interface ImapFlowInternals {
  exec(
    command: string,
    attributes?: unknown[],
    options?: { untagged?: UntaggedHandlers },
  ): Promise<{ response: UntaggedResponse; next(): void }>;
}

export interface SessionOptions {
  timeouts?: Partial<ImapTimeouts>;
}

export interface QuotaRootInfo {
  /** Quota roots of the mailbox (Cyrus: the user's INBOX, or none). */
  roots: string[];
  quotas: Record<string, QuotaResources>;
}

export const atom = (value: string) => ({ type: 'ATOM', value });
export const str = (value: string) => ({ type: 'STRING', value });

/** A logged-in connection to one Cyrus backend. Close it (the `with*` helpers do). */
export abstract class CyrusSession {
  /** The last asynchronous 'error' imapflow emitted; the failing command rejects as well. */
  lastError: Error | undefined;
  private closed = false;

  protected constructor(
    protected readonly client: ImapFlow,
    readonly backend: CyrusBackendConfig,
    private readonly timeouts: ImapTimeouts,
  ) {
    // Without a listener an 'error' event would crash the process.
    client.on('error', (err: Error) => {
      this.lastError = err;
    });
  }

  protected static async connect(
    backend: CyrusBackendConfig,
    credentials: ImapCredentials,
    options: SessionOptions = {},
  ): Promise<{ client: ImapFlow; timeouts: ImapTimeouts }> {
    const timeouts = { ...DEFAULT_IMAP_TIMEOUTS, ...options.timeouts };
    const client = new ImapFlow({
      ...imapFlowOptions(backend, credentials, timeouts),
      // no ENABLE CONDSTORE: these sessions never read modseqs; one round trip less per login
      disableAutoEnable: true,
    });
    client.on('error', () => undefined); // until the session's own listener is attached
    try {
      await client.connect();
    } catch (err) {
      client.close();
      throw toImapError(err, { backend: backend.name, command: 'LOGIN' });
    }
    return { client, timeouts };
  }

  get usable(): boolean {
    return !this.closed && this.client.usable;
  }

  /** Post-login CAPABILITY, as Cyrus announced it. */
  capabilities(): string[] {
    return [...this.client.capabilities.keys()];
  }

  async noop(): Promise<void> {
    await this.exec('NOOP', []);
  }

  /** GETQUOTAROOT: which quota root governs `mailbox` and its usage/limits. */
  async getQuotaRoot(mailbox: string): Promise<QuotaRootInfo> {
    const info: QuotaRootInfo = { roots: [], quotas: {} };
    await this.exec('GETQUOTAROOT', [str(mailbox)], mailbox, {
      QUOTAROOT: (u) => {
        info.roots = (u.attributes ?? [])
          .slice(1)
          .map(text)
          .filter((r): r is string => !!r);
      },
      QUOTA: (u) => {
        const root = text(u.attributes?.[0]);
        if (root !== undefined) info.quotas[root] = parseQuotaResources(u.attributes?.[1]);
      },
    });
    return info;
  }

  /** Runs one command through imapflow's exec(), mapping failures to typed errors. */
  protected async exec(
    command: string,
    attributes: unknown[],
    mailbox?: string,
    untagged?: UntaggedHandlers,
  ): Promise<UntaggedResponse> {
    const internals = this.client as unknown as ImapFlowInternals;
    try {
      const result = await internals.exec(command, attributes, untagged ? { untagged } : undefined);
      result.next();
      return result.response;
    } catch (err) {
      throw toImapError(err, { backend: this.backend.name, command, mailbox });
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
}

/** The text of an atom/string/literal attribute. */
export function text(node: unknown): string | undefined {
  const value = (node as { value?: unknown } | undefined)?.value;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
