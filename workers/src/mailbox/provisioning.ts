import {
  DEFAULT_FOLDERS,
  bytesToCyrusKiB,
  cyrusMailboxName,
  isParsedAddress,
  parseAddress,
} from '@roost/core';
import {
  CYRUS_MAX_STORAGE_KIB,
  CYRUS_MAX_USERID_LENGTH,
  CyrusAdminSession,
  CyrusUserSession,
} from '@roost/imap';
import { PermanentError } from '../failures';

/** The stored address, checked again before it becomes a Cyrus mailbox name. */
export function checkedAddress(address: string): string {
  const parsed = parseAddress(address);
  if (!isParsedAddress(parsed))
    throw new PermanentError(`invalid address "${address}": ${parsed.error}`);
  if (parsed.address !== address) {
    throw new PermanentError(
      `invalid address "${address}": not in canonical form (${parsed.address})`,
    );
  }
  if (address.length > CYRUS_MAX_USERID_LENGTH) {
    throw new PermanentError(
      `invalid address "${address}": Cyrus accepts user names of at most ${CYRUS_MAX_USERID_LENGTH} characters`,
    );
  }
  return address;
}

/**
 * The Cyrus STORAGE limit for a mailbox quota. Roost's 0 means "no limit"; Cyrus only reports
 * usage for a root with a limit, so "no limit" is its largest value (just under 2 TiB).
 * A quota above that is refused: Cyrus cannot store it.
 */
export function storageKiBFor(quotaBytes: number): number {
  if (quotaBytes === 0) return CYRUS_MAX_STORAGE_KIB;
  const kib = bytesToCyrusKiB(quotaBytes);
  if (!Number.isSafeInteger(kib) || kib < 0 || kib > CYRUS_MAX_STORAGE_KIB) {
    throw new PermanentError(
      `quota refused: ${quotaBytes} bytes is above the largest quota Cyrus stores (${CYRUS_MAX_STORAGE_KIB} KiB)`,
    );
  }
  return kib;
}

/** Creates the INBOX and the default folders that are missing; returns what it created. */
export async function ensureUserFolders(
  admin: CyrusAdminSession,
  address: string,
): Promise<string[]> {
  const created: string[] = [];
  if (await admin.ensureMailbox(cyrusMailboxName(address))) created.push('INBOX');
  for (const folder of DEFAULT_FOLDERS) {
    if (await admin.ensureMailbox(cyrusMailboxName(address, folder.name), folder.specialUse)) {
      created.push(folder.name);
    }
  }
  return created;
}

/** Sets the STORAGE quota on the user's root unless it already is `storageKiB`; true if changed. */
export async function ensureQuota(
  admin: CyrusAdminSession,
  address: string,
  storageKiB: number,
): Promise<boolean> {
  const root = cyrusMailboxName(address);
  const current = await admin.getQuota(root);
  if (current?.STORAGE?.limit === storageKiB) return false;
  await admin.setQuota(root, storageKiB);
  return true;
}

/** Subscribes the owner to INBOX and the default folders they are not subscribed to yet. */
export async function ensureSubscriptions(user: CyrusUserSession): Promise<string[]> {
  const folders = await user.listFolders();
  const subscribed = new Set(folders.filter((f) => f.subscribed).map((f) => f.path));
  const wanted = ['INBOX', ...DEFAULT_FOLDERS.map((f) => f.name)].filter((p) => !subscribed.has(p));
  for (const path of wanted) await user.subscribe(path);
  return wanted;
}
