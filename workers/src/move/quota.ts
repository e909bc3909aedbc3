import { cyrusMailboxName } from '@roost/core';
import { MoveRun } from './move-run';

export interface QuotaOutcome {
  ok: boolean;
  sourceKiB: number | null;
  targetKiB: number | null;
}

/**
 * The target gets the source's STORAGE limit (the limit Roost manages; the wrapper sets no
 * other resource). Set inside the freeze, after the copy, so that a source already over its
 * quota can still be copied in full. With `apply: false` it only compares.
 */
export async function syncQuota(run: MoveRun, opts: { apply: boolean }): Promise<QuotaOutcome> {
  const root = cyrusMailboxName(run.address);
  const { source, target } = run.subject;
  const want =
    (await run.sessions.asAdmin(source, (admin) => admin.getQuota(root)))?.STORAGE?.limit ?? null;
  let have =
    (await run.sessions.asAdmin(target, (admin) => admin.getQuota(root)))?.STORAGE?.limit ?? null;
  if (opts.apply && want !== null && have !== want) {
    await run.sessions.asAdmin(target, (admin) => admin.setQuota(root, want));
    have = want;
  }
  return { ok: want === have, sourceKiB: want, targetKiB: have };
}
