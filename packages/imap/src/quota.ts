/** Cyrus parses quota limits as a signed 32-bit number of KiB; a larger one ends the session
 * with `* BYE Fatal error: num too big` (verified on 3.6.1). 2^31-1 KiB is just under 2 TiB. */
export const CYRUS_MAX_STORAGE_KIB = 2_147_483_647;

/** Cyrus 3.6.1 ends the session (assertion in mboxlist.c) on a user id (`local@domain`) longer
 * than this, verified; folder names below a user may be longer. */
export const CYRUS_MAX_USERID_LENGTH = 247;

export interface QuotaResource {
  usage: number;
  limit: number;
}

/** STORAGE is in KiB on the wire; MESSAGE and others are counts. Keys are upper-case. */
export type QuotaResources = Record<string, QuotaResource>;

interface Atom {
  value?: unknown;
}

/**
 * Parses the resource list of `* QUOTA <root> (STORAGE 7 10 MESSAGE 2 100)`, as imapflow hands
 * it over (a flat array of atoms). A root without limits answers `()`, which gives `{}`.
 */
export function parseQuotaResources(list: unknown): QuotaResources {
  const out: QuotaResources = {};
  if (!Array.isArray(list)) return out;
  for (let i = 0; i + 2 < list.length; i += 3) {
    const name = atomText(list[i]);
    const usage = Number(atomText(list[i + 1]));
    const limit = Number(atomText(list[i + 2]));
    if (!name || !Number.isSafeInteger(usage) || !Number.isSafeInteger(limit)) continue;
    out[name.toUpperCase()] = { usage, limit };
  }
  return out;
}

function atomText(node: unknown): string | undefined {
  const value = (node as Atom | undefined)?.value;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

export function isValidStorageKiB(kib: number): boolean {
  return Number.isSafeInteger(kib) && kib >= 0 && kib <= CYRUS_MAX_STORAGE_KIB;
}
