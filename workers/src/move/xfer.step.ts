import { createHash } from 'node:crypto';
import { MoveState, cyrusMailboxName } from '@roost/core';
import { FolderDigest, TransferSession, folderDigest } from '@roost/imap';
import { Backend } from '@roost/db';
import { flipStep } from './flip.step';
import { freezeStep } from './freeze.step';
import { MovePermanentError } from './move.errors';
import { MoveRun } from './move-run';
import { validateAndBegin } from './prepare.step';
import { VerificationReport } from './verification';

/**
 * The XFER engine (Cyrus -> Cyrus, notes/cyrus.md §9): Cyrus moves the user itself over its
 * replication protocol, keeping UIDVALIDITY, UIDs and MODSEQs, so mail clients do not download
 * everything again. It is a move, not a copy: Cyrus deletes the source when XFER succeeds. So:
 * - it runs entirely inside the freeze (no mail, no sessions);
 * - before it, a snapshot of the source as the owner (per-folder digests, folder names, Sieve)
 *   is stored on the move, and the verification compares the target with that snapshot;
 * - if the verification fails, the user is XFERed back to the source before the rollback.
 * States: queued -> preparing -> syncing -> frozen -> final-sync (snapshot, XFER) -> verifying
 * -> flipped, like the IMAP engine, with nothing to copy before the freeze.
 */

interface Snapshot {
  kind: 'xfer-snapshot';
  takenAt: string;
  folders: { name: string; raw: string; digest: FolderDigest }[];
  subscriptions: string[];
  sieve: { name: string; content: string; active: boolean }[] | null;
}

export async function xferStep(run: MoveRun): Promise<void> {
  const { move, mailbox, source } = run.subject;
  switch (move.state) {
    case MoveState.Queued:
      await validateAndBegin(run);
      return;
    case MoveState.Preparing:
      await run.advance(MoveState.Preparing, MoveState.Syncing);
      return;
    case MoveState.Copying:
      await run.advance(MoveState.Copying, MoveState.Syncing);
      return;
    case MoveState.Syncing:
      await run.progress.checkCancel();
      if (!(await run.repo.freeze(move.id, mailbox.id, source.id))) {
        await run.progress.checkCancel();
        throw new MovePermanentError('the move left the syncing state before the freeze');
      }
      return;
    case MoveState.Frozen:
      await freezeStep(run);
      return;
    case MoveState.FinalSync:
      await snapshotAndXfer(run);
      return;
    case MoveState.Verifying:
      await verifyAgainstSnapshot(run);
      return;
    case MoveState.Flipped:
    case MoveState.Retained:
    case MoveState.Cleaned:
    case MoveState.Failed:
    case MoveState.Cancelled:
    case MoveState.RolledBack:
      return;
  }
}

async function snapshotAndXfer(run: MoveRun): Promise<void> {
  const { source, target } = run.subject;
  const inbox = cyrusMailboxName(run.address);
  const onSource = await run.sessions.asAdmin(source, (a) => a.mailboxExists(inbox));
  const onTarget = await run.sessions.asAdmin(target, (a) => a.mailboxExists(inbox));
  if (!onSource && onTarget) {
    // XFER completed before this run (the worker died after it): verify against the stored snapshot
    await run.advance(MoveState.FinalSync, MoveState.Verifying);
    return;
  }
  if (onTarget) {
    throw new MovePermanentError(
      `backend ${target.name} already has ${inbox}; XFER would refuse it`,
    );
  }
  const snapshot = await takeSnapshot(run, source);
  await run.repo.saveVerification(run.moveId, snapshot);
  await run.sessions.close(); // XFER locks the user; our owner sessions must not hold anything
  const admin = await run.sessions.openAdminTransfer(source);
  try {
    const started = Date.now();
    const result = await admin.xfer(inbox, `${target.imapHost}:${target.imapPort}`);
    run.log.info('XFER', {
      move: run.moveId,
      ok: result.ok,
      lines: result.lines,
      ms: Date.now() - started,
    });
    if (!result.ok) {
      throw new MovePermanentError(
        `XFER of ${inbox} to ${target.name} failed: ${result.lines.join('; ') || 'no USER answer'}`,
      );
    }
  } finally {
    await admin.close();
  }
  await run.advance(MoveState.FinalSync, MoveState.Verifying);
}

async function takeSnapshot(run: MoveRun, backend: Backend): Promise<Snapshot> {
  const session = await run.sessions.openOwner(backend);
  try {
    const folders = await describe(session);
    const list = await session.listFolders();
    const sieve = await readSieve(run, backend).finally(() => run.sessions.closeSieves());
    return {
      kind: 'xfer-snapshot',
      takenAt: new Date().toISOString(),
      folders,
      subscriptions: list
        .filter((f) => f.subscribed)
        .map((f) => f.raw)
        .sort(),
      sieve,
    };
  } finally {
    await session.close();
  }
}

async function describe(session: TransferSession): Promise<Snapshot['folders']> {
  const out: Snapshot['folders'] = [];
  for (const f of await session.listFolders()) {
    if (!f.selectable) continue;
    await session.open(f.raw, true);
    out.push({ name: f.name, raw: f.raw, digest: folderDigest(await session.fetchMeta()) });
  }
  return out.sort((a, b) => (a.raw < b.raw ? -1 : 1));
}

async function readSieve(run: MoveRun, backend: Backend): Promise<Snapshot['sieve']> {
  const client = await run.sessions.sieve(backend);
  if (!client) return null;
  const scripts = await client.listScripts();
  const out: NonNullable<Snapshot['sieve']> = [];
  for (const s of scripts)
    out.push({ name: s.name, content: await client.getScript(s.name), active: s.active });
  return out;
}

function describeSieve(scripts: Snapshot['sieve'], hashChars = 12): string {
  if (scripts === null) return 'not read';
  return scripts
    .map(
      (s) =>
        `${s.name}${s.active ? ' (active)' : ''} sha256:${createHash('sha256').update(s.content).digest('hex').slice(0, hashChars)}`,
    )
    .join(', ');
}

async function verifyAgainstSnapshot(run: MoveRun): Promise<void> {
  const { source, target } = run.subject;
  const stored = run.subject.move.verification as Partial<Snapshot> | null;
  if (stored?.kind !== 'xfer-snapshot' || !stored.folders) {
    throw new MovePermanentError('the XFER snapshot of the source is missing; cannot verify');
  }
  const started = Date.now();
  const after = await takeSnapshot(run, target);
  const before = new Map(stored.folders.map((f) => [f.raw, f]));
  const folders = after.folders.map((f) => {
    const b = before.get(f.raw);
    return {
      name: f.name,
      ok: !!b && b.digest.digest === f.digest.digest && b.digest.messages === f.digest.messages,
      source: b?.digest ?? { messages: 0, bytes: 0, digest: '' },
      target: f.digest,
    };
  });
  const missing = stored.folders.filter((f) => !after.folders.some((a) => a.raw === f.raw));
  for (const m of missing) {
    folders.push({
      name: m.name,
      ok: false,
      source: m.digest,
      target: { messages: 0, bytes: 0, digest: '' },
    });
  }
  // compared field by field: the snapshot went through jsonb, which reorders object keys
  const sieveOk = describeSieve(stored.sieve ?? null, 64) === describeSieve(after.sieve, 64);
  const subsOk = JSON.stringify(stored.subscriptions ?? []) === JSON.stringify(after.subscriptions);
  const report: VerificationReport = {
    ok: folders.every((f) => f.ok) && sieveOk && subsOk,
    engine: 'xfer',
    verifiedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
    messages: {
      source: stored.folders.reduce((s, f) => s + f.digest.messages, 0),
      target: after.folders.reduce((s, f) => s + f.digest.messages, 0),
    },
    bytes: {
      source: stored.folders.reduce((s, f) => s + f.digest.bytes, 0),
      target: after.folders.reduce((s, f) => s + f.digest.bytes, 0),
    },
    folders,
    structure: { ok: subsOk && missing.length === 0 },
    sieve: {
      ok: sieveOk,
      scripts: after.sieve?.length ?? 0,
      active: after.sieve?.find((s) => s.active)?.name ?? null,
      differences: sieveOk
        ? undefined
        : [
            `before: ${describeSieve(stored.sieve ?? null)}`,
            `after: ${describeSieve(after.sieve)}`,
          ],
    },
    quota: { ok: true },
    warnings: [
      ...run.warnings,
      'XFER keeps UIDs; the source was deleted by Cyrus when XFER completed',
    ],
  };
  await run.repo.saveVerification(run.moveId, report);
  if (!report.ok) {
    // put the user back where they were before rolling back
    const admin = await run.sessions.openAdminTransfer(target);
    try {
      const back = await admin.xfer(
        cyrusMailboxName(run.address),
        `${source.imapHost}:${source.imapPort}`,
      );
      run.log.warn('XFER back after a failed verification', {
        move: run.moveId,
        ok: back.ok,
        lines: back.lines,
      });
    } finally {
      await admin.close();
    }
    throw new MovePermanentError(
      'the target differs from the source snapshot after XFER; the user was moved back',
    );
  }
  await flipStep(run);
}

/**
 * Before a rollback of an XFER move: if Cyrus already moved the user (the source no longer has
 * it, the target does), XFER it back first. Throws when that is impossible: then the only copy
 * is on the target, and nothing may be deleted.
 */
export async function xferBackIfMoved(run: MoveRun): Promise<boolean> {
  const { source, target } = run.subject;
  const inbox = cyrusMailboxName(run.address);
  const onSource = await run.sessions.asAdmin(source, (a) => a.mailboxExists(inbox));
  if (onSource) return false;
  const onTarget = await run.sessions.asAdmin(target, (a) => a.mailboxExists(inbox));
  if (!onTarget) return false;
  const admin = await run.sessions.openAdminTransfer(target);
  try {
    const back = await admin.xfer(inbox, `${source.imapHost}:${source.imapPort}`);
    if (!back.ok) throw new Error(`XFER back to ${source.name} failed: ${back.lines.join('; ')}`);
  } finally {
    await admin.close();
  }
  return true;
}
