import { SieveClient } from '@roost/imap';
import { MovePermanentError } from './move.errors';
import { MoveRun } from './move-run';
import { SieveSyncResult, syncSieve } from './sieve-sync';

export type SieveOutcome = SieveSyncResult | { skipped: string };

/**
 * Carries the owner's Sieve scripts (ManageSieve as the owner on both backends). A source
 * without a sieve port cannot be read: that is reported, not guessed. A target without one
 * while the source has scripts fails the move (losing a filter is data loss).
 */
export async function syncSieveAsOwner(
  run: MoveRun,
  opts: { apply: boolean },
): Promise<SieveOutcome> {
  const { source, target } = run.subject;
  if (source.sievePort === null) {
    const skipped = `backend ${source.name} has no sieve port configured: Sieve scripts were not moved`;
    run.warn(skipped);
    return { skipped };
  }
  const src: SieveClient | null = await run.sessions.sieve(source);
  if (!src) return { skipped: 'no source sieve' };
  if (target.sievePort === null) {
    const scripts = await src.listScripts();
    if (scripts.length > 0) {
      throw new MovePermanentError(
        `the user has ${scripts.length} Sieve script(s) but target backend ${target.name} has no sieve port configured`,
      );
    }
    return { skipped: `backend ${target.name} has no sieve port; the user has no scripts` };
  }
  const dst = await run.sessions.sieve(target);
  if (!dst) return { skipped: 'no target sieve' };
  return syncSieve(src, dst, opts);
}
