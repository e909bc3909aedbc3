import { cyrusMailboxName } from '@roost/core';
import { ImapAlreadyExistsError, ImapNotFoundError, ImapQuotaRefusedError } from './errors';
import { CyrusBackendConfig } from './options';
import {
  CYRUS_MAX_STORAGE_KIB,
  QuotaResources,
  isValidStorageKiB,
  parseQuotaResources,
} from './quota';
import { CyrusSession, SessionOptions, atom, str, text } from './session';

/**
 * An admin session (the backend's `admins:` account). Mailbox names are Cyrus' internal ones
 * (`user/alice@example.com`, `user/alice/Sent@example.com`, see `cyrusMailboxName`).
 *
 * Commands go through exec() with the names exactly as given: imapflow's path normalisation is
 * never applied, which also keeps us safe from the admin-INBOX prefix trap (notes/cyrus.md §3).
 */
export class CyrusAdminSession extends CyrusSession {
  static async open(
    backend: CyrusBackendConfig,
    secret: string,
    options?: SessionOptions,
  ): Promise<CyrusAdminSession> {
    const { client, timeouts } = await CyrusSession.connect(
      backend,
      { user: backend.adminUser, pass: secret },
      options,
    );
    return new CyrusAdminSession(client, backend, timeouts);
  }

  /** Whether `name` exists (exact match; `*` in a local part would otherwise act as a wildcard). */
  async mailboxExists(name: string): Promise<boolean> {
    const names = await this.list(name);
    return names.includes(name);
  }

  /** The user's INBOX and every folder under it, as internal names; empty when there is none. */
  async listUserMailboxes(address: string): Promise<string[]> {
    const inbox = cyrusMailboxName(address);
    const at = address.lastIndexOf('@');
    const prefix = `user/${address.slice(0, at)}/`;
    const suffix = address.slice(at);
    const names = await this.list(`${prefix}*${suffix}`);
    const folders = names.filter((n) => n.startsWith(prefix) && n.endsWith(suffix));
    return (await this.mailboxExists(inbox)) ? [inbox, ...folders] : folders;
  }

  /** CREATE, with a RFC 6154 special-use attribute (`\Sent`) if given. */
  async createMailbox(name: string, specialUse?: string): Promise<void> {
    const args: unknown[] = [str(name)];
    if (specialUse) args.push([atom('USE'), [atom(specialUse)]]);
    await this.exec('CREATE', args, name);
  }

  /** Creates `name` unless it exists; true when it was created. An existing one is left as it is. */
  async ensureMailbox(name: string, specialUse?: string): Promise<boolean> {
    try {
      await this.createMailbox(name, specialUse);
      return true;
    } catch (err) {
      if (err instanceof ImapAlreadyExistsError) return false;
      throw err;
    }
  }

  /** SETQUOTA root (STORAGE kib). Cyrus' largest value is CYRUS_MAX_STORAGE_KIB. */
  async setQuota(root: string, storageKiB: number): Promise<void> {
    if (!isValidStorageKiB(storageKiB)) {
      throw new ImapQuotaRefusedError(
        `quota of ${storageKiB} KiB for ${root} is outside what Cyrus accepts (0..${CYRUS_MAX_STORAGE_KIB} KiB)`,
        { backend: this.backend.name, command: 'SETQUOTA', mailbox: root },
      );
    }
    await this.exec('SETQUOTA', [str(root), [atom('STORAGE'), atom(String(storageKiB))]], root);
  }

  /** GETQUOTA root; null when the root does not exist (no quota set, or no such mailbox). */
  async getQuota(root: string): Promise<QuotaResources | null> {
    let resources: QuotaResources = {};
    try {
      await this.exec('GETQUOTA', [str(root)], root, {
        QUOTA: (u) => {
          resources = parseQuotaResources(u.attributes?.[1]);
        },
      });
    } catch (err) {
      // Cyrus: "NO Quota root does not exist"
      if (err instanceof ImapNotFoundError) return null;
      throw err;
    }
    return resources;
  }

  async getAcl(mailbox: string): Promise<Record<string, string>> {
    const acl: Record<string, string> = {};
    await this.exec('GETACL', [str(mailbox)], mailbox, {
      ACL: (u) => {
        const pairs = (u.attributes ?? []).slice(1).map(text);
        for (let i = 0; i + 1 < pairs.length; i += 2) {
          const who = pairs[i];
          const rights = pairs[i + 1];
          if (who !== undefined && rights !== undefined) acl[who] = rights;
        }
      },
    });
    return acl;
  }

  async setAcl(mailbox: string, identifier: string, rights: string): Promise<void> {
    await this.exec('SETACL', [str(mailbox), str(identifier), str(rights)], mailbox);
  }

  async deleteAcl(mailbox: string, identifier: string): Promise<void> {
    await this.exec('DELETEACL', [str(mailbox), str(identifier)], mailbox);
  }

  /**
   * Deletes a user's whole tree. The admin only has implicit `la`, so it first grants itself `x`
   * on the INBOX, which is enough for DELETE to remove every folder (notes/cyrus.md §3).
   * Returns false when there was nothing to delete.
   */
  async deleteUserMailbox(address: string): Promise<boolean> {
    const inbox = cyrusMailboxName(address);
    try {
      await this.setAcl(inbox, this.backend.adminUser, 'x');
      await this.exec('DELETE', [str(inbox)], inbox);
      return true;
    } catch (err) {
      if (err instanceof ImapNotFoundError) return false;
      throw err;
    }
  }

  /** RENAME user/a@d user/b@d: moves the whole tree with its mail (needs `allowusermoves: yes`). */
  async renameUser(fromAddress: string, toAddress: string): Promise<void> {
    const from = cyrusMailboxName(fromAddress);
    const to = cyrusMailboxName(toAddress);
    await this.exec('RENAME', [str(from), str(to)], from);
  }

  private async list(pattern: string): Promise<string[]> {
    const names: string[] = [];
    await this.exec('LIST', [str(''), str(pattern)], pattern, {
      LIST: (u) => {
        const name = text(u.attributes?.[2]);
        if (name !== undefined) names.push(name);
      },
    });
    return names;
  }
}
