import { MoveState } from '@roost/core';
import { flipStep } from './flip.step';
import { MovePermanentError } from './move.errors';
import { MoveRun } from './move-run';
import { syncQuota } from './quota';
import { syncSieveAsOwner } from './sieve.step';
import { syncStructure } from './structure';
import { VerificationReport, verifyFolderReusing } from './verification';

/**
 * verifying -> flipped. Per folder, as the owner on both sides: count and digest over (SHA-1
 * of the bytes, flags with keywords, internal date); plus the structure (folders,
 * subscriptions, ACLs, metadata), the Sieve scripts and the quota. The report is stored on the
 * move. A mismatch gets one more final sync; a second one rolls the move back.
 */
export async function verifyStep(run: MoveRun): Promise<void> {
  const started = Date.now();
  const report = await buildReport(run).finally(() => run.sessions.closeSieves());
  report.durationMs = Date.now() - started;
  await run.repo.saveVerification(run.moveId, report);
  if (!report.ok) {
    run.verifyFailures++;
    const bad = report.folders.filter((f) => !f.ok).map((f) => f.name);
    const what = [
      bad.length ? `folders ${bad.join(', ')}` : '',
      report.structure.ok ? '' : 'folder structure',
      report.sieve.ok ? '' : 'Sieve scripts',
      report.quota.ok ? '' : 'quota',
    ]
      .filter(Boolean)
      .join(', ');
    if (run.verifyFailures >= 2) {
      throw new MovePermanentError(`verification failed twice (${what}); see the report`);
    }
    run.warn(`verification found differences (${what}); one more final sync`);
    await run.advance(MoveState.Verifying, MoveState.FinalSync);
    return;
  }
  run.log.info('verified', {
    move: run.moveId,
    messages: report.messages.source,
    folders: report.folders.length,
    ms: report.durationMs,
  });
  await flipStep(run);
}

async function buildReport(run: MoveRun): Promise<VerificationReport> {
  const [lane] = await run.lanes(1);
  const folders = await run.sourceFolders(lane.src);
  // folders on their lanes; structure, Sieve and quota beside them
  const [results, structure, sieve, quota] = await Promise.all([
    run.forEachFolder(folders, (l, folder) =>
      verifyFolderReusing(
        l,
        folder,
        run.preverified.get(folder.raw),
        run.sync.sourceRead(folder.raw),
      ),
    ),
    syncStructure(lane.src, lane.dst, { apply: false, deleteExtra: true }),
    syncSieveAsOwner(run, { apply: false }),
    syncQuota(run, { apply: false }),
  ]);
  const verified = folders.map((f) => results.get(f.raw)!.result);
  const reused = [...results.values()].filter((r) => r.reused).length;
  const sieveOk = 'skipped' in sieve ? true : sieve.same;
  const warnings = [...run.warnings];
  if (structure.danglingSubscriptions.length > 0) {
    warnings.push(
      `subscriptions to folders that no longer exist were not carried (Cyrus refuses them): ${structure.danglingSubscriptions.join(', ')}`,
    );
  }
  const report: VerificationReport = {
    ok: false,
    engine: run.subject.move.engine,
    verifiedAt: new Date().toISOString(),
    durationMs: 0,
    foldersReused: reused,
    messages: {
      source: verified.reduce((s, f) => s + f.source.messages, 0),
      target: verified.reduce((s, f) => s + f.target.messages, 0),
    },
    bytes: {
      source: verified.reduce((s, f) => s + f.source.bytes, 0),
      target: verified.reduce((s, f) => s + f.target.bytes, 0),
    },
    folders: verified,
    structure: structure.same ? { ok: true } : { ok: false, differences: structure.changes },
    sieve:
      'skipped' in sieve
        ? { ok: true, skipped: sieve.skipped }
        : {
            ok: sieve.same,
            active: sieve.active,
            differences: sieve.same ? undefined : [...sieve.put, ...sieve.deleted],
          },
    quota: { ok: quota.ok, source: quota.sourceKiB, target: quota.targetKiB },
    warnings,
  };
  report.ok = verified.every((f) => f.ok) && structure.same && sieveOk && quota.ok;
  return report;
}
