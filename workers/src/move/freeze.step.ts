import { MoveState } from '@roost/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { MoveRun } from './move-run';

/**
 * frozen -> final-sync. The routing state is already `frozen` (Postfix answers
 * `retry:4.2.1`, the proxy holds logins). Now: the relays forget their cached route, the
 * owner's sessions on the source are ended (deny kills them at their next command, IDLE at
 * once), in-flight deliveries get the settle time, then logins are allowed again so that the
 * final sync can read the source as the owner (the proxy still holds the user's own logins).
 * Everything here is safe to repeat after a crash.
 */
export async function freezeStep(run: MoveRun): Promise<void> {
  const { source } = run.subject;
  const reload = await run.control.relays('reload', `move ${run.moveId}: freeze ${run.address}`);
  if (!reload.ok) run.warn(`freeze: ${reload.detail}; the sweep after the flip catches late mail`);
  await run.sessions.closeSource();
  const denied = await run.control.backend(
    source,
    'deny',
    run.address,
    `move ${run.moveId}: end sessions`,
  );
  if (!denied.ran) run.warn(`freeze: ${denied.detail}; open sessions on the source were not ended`);
  const until = Date.now() + run.settings.settleMs;
  while (Date.now() < until) {
    run.progress.throwIfAborted();
    await sleep(Math.min(100, Math.max(0, until - Date.now())));
  }
  if (denied.ran) {
    await run.control.backend(source, 'allow', run.address, `move ${run.moveId}: final sync`);
  }
  await run.advance(MoveState.Frozen, MoveState.FinalSync);
}
