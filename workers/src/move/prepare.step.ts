import { BackendState, MailboxState, MoveState, cyrusMailboxName } from '@roost/core';
import { MailboxBusyError, MovePermanentError } from './move.errors';
import { MoveRun } from './move-run';
import { syncSieveAsOwner } from './sieve.step';
import { syncStructure } from './structure';

const READABLE_SOURCE: readonly BackendState[] = [
  BackendState.Active,
  BackendState.Draining,
  BackendState.Readonly,
];

/**
 * queued -> preparing -> copying. Checks that the move still makes sense, marks the mailbox
 * `moving` (still served by the source), creates the user on the target with the same folder
 * tree, special-use, subscriptions, ACLs, metadata and Sieve scripts.
 */
export async function prepareStep(run: MoveRun): Promise<void> {
  const { move, mailbox, target } = run.subject;
  if (move.state === MoveState.Queued) await validateAndBegin(run);

  // preparing: everything below is idempotent, so a resumed run simply does it again
  await run.sessions.asAdmin(target, (admin) =>
    admin.ensureMailbox(cyrusMailboxName(mailbox.address)),
  );
  const [lane] = await run.lanes(1);
  const structure = await syncStructure(lane.src, lane.dst, { apply: true, deleteExtra: true });
  run.log.info('target structure prepared', {
    move: move.id,
    folders: structure.folders.length,
    created: structure.changes.createFolders.length,
  });
  await syncSieveAsOwner(run, { apply: true });
  await run.sessions.closeSieves();
  await run.advance(MoveState.Preparing, MoveState.Copying);
}

/** queued -> preparing: the checks, then the mailbox becomes `moving` (both engines). */
export async function validateAndBegin(run: MoveRun): Promise<void> {
  const { move, mailbox, source, target } = run.subject;
  if (mailbox.backendId !== source.id) {
    throw new MovePermanentError(
      `mailbox ${mailbox.address} is routed to backend ${mailbox.backendId}, not to the move's source ${source.name}`,
    );
  }
  if (mailbox.state !== MailboxState.Active || !mailbox.active) {
    throw new MovePermanentError(
      `mailbox ${mailbox.address} is ${mailbox.active ? mailbox.state : 'disabled'}; only active mailboxes are moved`,
    );
  }
  if (!READABLE_SOURCE.includes(source.state)) {
    throw new MovePermanentError(`source backend ${source.name} is ${source.state}`);
  }
  if (target.state !== BackendState.Active) {
    throw new MovePermanentError(`target backend ${target.name} is ${target.state}, not active`);
  }
  const existing = await run.sessions.asAdmin(target, (admin) =>
    admin.listUserMailboxes(mailbox.address),
  );
  if (existing.length > 0) {
    // a copy left by an earlier move of this mailbox that never flipped, or the retained copy
    // of one that moved it away from there, is ours to replace; anything else is somebody's mail
    const leftover = await run.repo.hadUnflippedMoveTo(move.id, mailbox.id, target.id);
    // moving back to where an earlier move left from: its retained copy is replaced
    const retained =
      !leftover && (await run.repo.supersedeRetainedCopy(move.id, mailbox.id, target.id));
    if (!leftover && !retained) {
      throw new MovePermanentError(
        `backend ${target.name} already has a mailbox ${cyrusMailboxName(mailbox.address)}; refusing to overwrite it`,
      );
    }
    run.log.info('deleting an earlier copy of this mailbox on the target', {
      move: move.id,
      retained,
    });
    await run.sessions.asAdmin(target, (admin) => admin.deleteUserMailbox(mailbox.address));
  }
  // a deny left for this user on the target (a retained copy of an earlier move) would end the
  // copy's sessions, and after the flip the user's own: lift it (a no-op when there is none)
  await run.control.backend(target, 'allow', mailbox.address, `move ${move.id}: target`);
  if (!(await run.repo.begin(run.subject, run.sessions.address))) {
    // a rename first: the next attempt copies the user under its new name
    const rename = await run.repo.renameInTheWay(mailbox.id, run.sessions.address);
    if (rename) throw new MailboxBusyError(`not begun: ${rename}`);
    throw new MovePermanentError(
      `mailbox ${mailbox.address} is no longer active on ${source.name}`,
    );
  }
  await run.refresh();
}
