import { spawn } from 'node:child_process';
import { DataSource } from 'typeorm';

/**
 * Telling the Postfix front relays about routing changes (notes/routing.md §2.5, §6): qmgr keeps
 * its last resolved address with no expiry and smtpd caches lookup failures, so after a freeze,
 * a flip or a database recovery every relay must `postfix reload`; after a flip also flush, so
 * the mail deferred during the freeze goes to the new backend at once. A flush without the
 * reload would re-defer it from the cached `retry:` answer, so `flush` here always reloads first.
 *
 * Each relay's `control_command` is an argv template (JSON array) with `{action}` replaced by
 * `reload` or `flush`, run without a shell, e.g. ["postfix", "-c", "/etc/postfix", "{action}"]
 * locally or ["ssh", "relay1", "sudo", "postfix", "{action}"]. Every call is recorded in
 * relay_calls (exit code, output, duration).
 */
export type RelayAction = 'reload' | 'flush';

export const RELAY_CONTROL_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_CHARS = 4000;

export interface RelayCallResult {
  relayId: number;
  relayName: string;
  action: RelayAction;
  /** null: the command could not run, was killed by the timeout, or the template is invalid. */
  exitCode: number | null;
  ok: boolean;
  output: string;
  durationMs: number;
}

export interface RelayControlOptions {
  timeoutMs?: number;
}

interface RelayRow {
  id: number;
  name: string;
  controlCommand: unknown;
}

/** The argv for `action`, or the reason the template is unusable. */
export function relayArgv(template: unknown, action: RelayAction): string[] | { error: string } {
  if (
    !Array.isArray(template) ||
    template.length === 0 ||
    !template.every((arg): arg is string => typeof arg === 'string') ||
    template[0] === ''
  ) {
    return { error: 'control_command must be a non-empty JSON array of strings' };
  }
  return template.map((arg) => arg.replaceAll('{action}', action));
}

/**
 * Runs `action` on every active relay (in parallel; per relay `flush` = reload, then flush) and
 * records each call. Never throws for a failing relay: the results say which ones failed.
 */
export async function runRelayControl(
  db: DataSource,
  action: RelayAction,
  reason: string,
  opts: RelayControlOptions = {},
): Promise<RelayCallResult[]> {
  const relays = await db.query<RelayRow[]>(
    `SELECT id, name, control_command AS "controlCommand" FROM relays WHERE active ORDER BY id`,
  );
  const steps: RelayAction[] = action === 'flush' ? ['reload', 'flush'] : ['reload'];
  const perRelay = await Promise.all(
    relays.map(async (relay) => {
      const results: RelayCallResult[] = [];
      for (const step of steps) {
        const result = await callRelay(db, relay, step, reason, opts.timeoutMs);
        results.push(result);
        if (!result.ok) break; // a flush after a failed reload would use stale routes
      }
      return results;
    }),
  );
  return perRelay.flat();
}

async function callRelay(
  db: DataSource,
  relay: RelayRow,
  action: RelayAction,
  reason: string,
  timeoutMs = RELAY_CONTROL_TIMEOUT_MS,
): Promise<RelayCallResult> {
  const argv = relayArgv(relay.controlCommand, action);
  const started = Date.now();
  const run = Array.isArray(argv)
    ? await runCommand(argv, timeoutMs)
    : { exitCode: null, output: `invalid control_command: ${argv.error}` };
  const result: RelayCallResult = {
    relayId: relay.id,
    relayName: relay.name,
    action,
    exitCode: run.exitCode,
    ok: run.exitCode === 0,
    output: run.output.trim().slice(0, MAX_OUTPUT_CHARS),
    durationMs: Date.now() - started,
  };
  await db.query(
    `INSERT INTO relay_calls (relay_id, action, reason, exit_code, output, duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [relay.id, action, reason, result.exitCode, result.output, result.durationMs],
  );
  return result;
}

/** Runs argv in its own process group, so a timeout also ends whatever it started (ssh, scripts). */
function runCommand(
  argv: string[],
  timeoutMs: number,
): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const append = (chunk: Buffer) => {
      if (output.length < MAX_OUTPUT_CHARS * 2) output += chunk.toString('utf8');
    };
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ exitCode: null, output: `${argv[0]}: ${err.code ?? err.message}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (timedOut) output = `${output}\n(killed after ${timeoutMs} ms)`;
      resolve({ exitCode: timedOut ? null : code, output });
    });
  });
}
