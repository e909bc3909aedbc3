import type { ImapFlow } from 'imapflow';
import { CyrusBackendConfig, ImapTimeouts } from './options';
import { CyrusSession, SessionOptions, str, text } from './session';
import { toImapError } from './errors';

export interface UserFolder {
  /** As the owner sees it: `INBOX`, `Sent`, `Archive/2023`. */
  path: string;
  /** The special-use attribute the server reports (`\Sent`), never one guessed from the name. */
  specialUse: string | null;
  subscribed: boolean;
}

/**
 * A session as the mailbox owner, authenticated with the admin's credentials (SASL PLAIN,
 * authcid = admin, authzid = owner). Cyrus keeps `\Seen` and subscriptions per user, so anything
 * that must look right to the owner goes through here (notes/cyrus.md §2).
 * The owner's INBOX must exist first: imapflow < 2.10 hangs on a NIL personal namespace.
 */
export class CyrusUserSession extends CyrusSession {
  static async open(
    backend: CyrusBackendConfig,
    secret: string,
    address: string,
    options?: SessionOptions,
  ): Promise<CyrusUserSession> {
    const { client, timeouts } = await CyrusSession.connect(
      backend,
      { user: backend.adminUser, pass: secret, authzid: address },
      options,
    );
    return new CyrusUserSession(client, backend, timeouts, address);
  }

  private constructor(
    client: ImapFlow,
    backend: CyrusBackendConfig,
    timeouts: ImapTimeouts,
    readonly address: string,
  ) {
    super(client, backend, timeouts);
  }

  /** The owner's folders; `subscribed` comes from LSUB (imapflow's list() always calls INBOX subscribed). */
  async listFolders(): Promise<UserFolder[]> {
    let list: Awaited<ReturnType<ImapFlow['list']>>;
    try {
      list = await this.client.list({ listOnly: true });
    } catch (err) {
      throw toImapError(err, { backend: this.backend.name, command: 'LIST' });
    }
    const subscribed = new Set(await this.subscriptions());
    return list.map((m) => ({
      path: m.path,
      specialUse: m.specialUseSource === 'extension' ? (m.specialUse ?? null) : null,
      subscribed: subscribed.has(m.path),
    }));
  }

  /** LSUB "" "*": the folders the owner is subscribed to, as the server names them. */
  async subscriptions(): Promise<string[]> {
    const names: string[] = [];
    await this.exec('LSUB', [str(''), str('*')], undefined, {
      LSUB: (u) => {
        const name = text(u.attributes?.[2]);
        if (name !== undefined) names.push(name);
      },
    });
    return names;
  }

  async subscribe(path: string): Promise<void> {
    await this.exec('SUBSCRIBE', [str(path)], path);
  }

  /** APPEND a raw RFC 5322 message (CRLF line ends); returns the new UID when the server says. */
  async append(
    path: string,
    raw: Buffer | string,
    flags: string[] = [],
  ): Promise<number | undefined> {
    try {
      const res = await this.client.append(path, raw, flags);
      return res ? res.uid : undefined;
    } catch (err) {
      throw toImapError(err, { backend: this.backend.name, command: 'APPEND', mailbox: path });
    }
  }

  async messageCount(path: string): Promise<number> {
    try {
      const status = await this.client.status(path, { messages: true });
      return status ? (status.messages ?? 0) : 0;
    } catch (err) {
      throw toImapError(err, { backend: this.backend.name, command: 'STATUS', mailbox: path });
    }
  }
}
