/**
 * UID sets as IMAP writes them (`1:5,7,9:12`): compressing a list for a command, expanding one
 * from APPENDUID or ESEARCH. Pure, so it is unit-tested.
 */

/** `1:5,7,9:12` from UIDs in any order (duplicates dropped). Empty input gives ''. */
export function compressUids(uids: readonly number[]): string {
  if (uids.length === 0) return '';
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let prev = start;
  for (let i = 1; i <= sorted.length; i++) {
    const uid = sorted[i];
    if (uid === prev + 1) {
      prev = uid;
      continue;
    }
    parts.push(start === prev ? String(start) : `${start}:${prev}`);
    start = uid;
    prev = uid;
  }
  return parts.join(',');
}

/**
 * Expands `103:105,107` to [103, 104, 105, 107] in the order written (RFC 4315 says APPENDUID
 * lists the UIDs in the order the messages were given). `*` is refused: a server never sends it
 * in APPENDUID or an ESEARCH ALL.
 */
export function expandUidSet(set: string): number[] {
  const out: number[] = [];
  if (set.trim() === '') return out;
  for (const part of set.split(',')) {
    const [a, b] = part.split(':');
    const from = parseUid(a, set);
    if (b === undefined) {
      out.push(from);
      continue;
    }
    const to = parseUid(b, set);
    const step = from <= to ? 1 : -1;
    for (let uid = from; uid !== to + step; uid += step) out.push(uid);
  }
  return out;
}

function parseUid(text: string | undefined, set: string): number {
  if (text === undefined || !/^[0-9]{1,10}$/.test(text)) {
    throw new Error(`invalid UID set "${set.slice(0, 80)}"`);
  }
  const uid = Number(text);
  if (uid < 1 || uid > 0xffffffff) throw new Error(`invalid UID ${text} in "${set.slice(0, 80)}"`);
  return uid;
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
