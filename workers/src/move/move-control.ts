import { execFile } from 'node:child_process';
import { Backend } from '@roost/db';
import { DataSource } from 'typeorm';
import { Logger } from './folder-sync';
import { RelayAction, RelayCallResult, runRelayControl } from '../relay/relay-control';
import { MoveRepository } from './move.repository';

/**
 * The commands a move runs outside IMAP, each recorded in `relay_calls`:
 * - on the Postfix relays (workers/src/relay): `reload` (qmgr forgets its cached route,
 *   notes/routing.md §6) and `flush` (reload, then the deferred mail goes out at once);
 * - on the source backend host: `deny` (Cyrus cyr_deny: refuses the user's logins and ends
 *   their sessions at their next command) and `allow`, through the backend's `control_command`.
 * A backend without a control command is skipped (the report says so).
 */
export type BackendAction = 'deny' | 'allow';

const TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 4000;

export interface ControlOutcome {
  ran: boolean;
  ok: boolean;
  detail: string;
}

export class MoveControl {
  constructor(
    private readonly db: DataSource,
    private readonly repo: MoveRepository,
    private readonly log: Logger,
  ) {}

  /**
   * Reloads every active relay, or (flush) reloads and flushes it. Failures are reported, never
   * thrown: a relay that misses a reload delivers at most a message or two by its cached route,
   * which the sweep after the flip catches.
   */
  async relays(action: RelayAction, reason: string): Promise<ControlOutcome> {
    let results: RelayCallResult[];
    try {
      results = await runRelayControl(this.db, action, reason);
    } catch (err) {
      const detail = `relay ${action} failed: ${(err as Error).message}`;
      this.log.warn(detail, { reason });
      return { ran: true, ok: false, detail };
    }
    if (results.length === 0) return { ran: false, ok: true, detail: 'no relays configured' };
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      const detail = `relay ${action} failed on ${failed
        .map((r) => `${r.relayName} (${r.action}: exit ${r.exitCode ?? 'none'} ${r.output})`)
        .join('; ')}`;
      this.log.warn(detail, { reason });
      return { ran: true, ok: false, detail };
    }
    return { ran: true, ok: true, detail: `relay ${action} on ${results.length} call(s)` };
  }

  /** deny / allow `user` on `backend`; throws when the command fails (callers decide). */
  async backend(
    backend: Backend,
    action: BackendAction,
    user: string,
    reason: string,
  ): Promise<ControlOutcome> {
    const template = backend.controlCommand;
    if (!template || template.length === 0) {
      return { ran: false, ok: true, detail: `backend ${backend.name} has no control command` };
    }
    const argv = template.map((a) => a.replaceAll('{action}', action).replaceAll('{user}', user));
    const result = await run(argv);
    await this.repo.recordControlCall({ backendId: backend.id, action, reason, ...result });
    if (result.exitCode !== 0) {
      throw new Error(
        `control command "${action}" for ${user} on backend ${backend.name} failed (exit ${result.exitCode ?? 'none'}): ${result.output}`,
      );
    }
    return { ran: true, ok: true, detail: `${action} ${user} on ${backend.name}` };
  }
}

function run(
  argv: string[],
): Promise<{ exitCode: number | null; output: string; durationMs: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    if (argv.length === 0) {
      resolve({ exitCode: null, output: 'empty control command', durationMs: 0 });
      return;
    }
    execFile(
      argv[0],
      argv.slice(1),
      { timeout: TIMEOUT_MS, maxBuffer: 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim().slice(0, MAX_OUTPUT);
        const durationMs = Date.now() - started;
        if (!err) return resolve({ exitCode: 0, output, durationMs });
        const code = (err as NodeJS.ErrnoException & { code?: unknown }).code;
        resolve({
          exitCode: typeof code === 'number' ? code : null,
          output: output || err.message,
          durationMs,
        });
      },
    );
  });
}
