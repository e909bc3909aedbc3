import { SieveClient } from '@roost/imap';
import { MovePermanentError } from './move.errors';

export interface SieveState {
  scripts: { name: string; sha256: string }[];
  active: string | null;
}

export interface SieveSyncResult {
  put: string[];
  deleted: string[];
  active: string | null;
  same: boolean;
}

/**
 * Makes the target's Sieve scripts those of the source, byte for byte, with the same one
 * active (or none). With `apply: false` it only reports the differences. Losing a filter is data
 * loss, so a script the source lists but cannot return fails the move.
 */
export async function syncSieve(
  src: SieveClient,
  dst: SieveClient,
  opts: { apply: boolean },
): Promise<SieveSyncResult> {
  const srcList = await src.listScripts();
  const dstList = await dst.listScripts();
  const srcActive = srcList.find((s) => s.active)?.name ?? null;
  const dstActive = dstList.find((s) => s.active)?.name ?? null;
  const dstNames = new Set(dstList.map((s) => s.name));
  const put: string[] = [];
  const deleted: string[] = [];

  for (const script of srcList) {
    let content: string;
    try {
      content = await src.getScript(script.name);
    } catch (err) {
      throw new MovePermanentError(
        `Sieve script "${script.name}" is listed on the source but cannot be read (${(err as Error).message}); ` +
          'fix or delete it there, then retry the move',
      );
    }
    const current = dstNames.has(script.name) ? await dst.getScript(script.name) : undefined;
    if (current === content) continue;
    put.push(script.name);
    if (opts.apply) await dst.putScript(script.name, content);
  }
  if (dstActive !== srcActive) {
    if (opts.apply) await dst.setActive(srcActive);
  }
  const srcNames = new Set(srcList.map((s) => s.name));
  for (const script of dstList) {
    if (srcNames.has(script.name)) continue;
    deleted.push(script.name);
    if (opts.apply) {
      // an active script cannot be deleted; setActive above has already moved the mark
      await dst.deleteScript(script.name);
    }
  }
  return {
    put,
    deleted,
    active: srcActive,
    same: put.length === 0 && deleted.length === 0 && dstActive === srcActive,
  };
}
