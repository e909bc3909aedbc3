import { execFile } from 'node:child_process';
import { Backend } from '@roost/db';
import { WorkerContext } from '../context';
import { PermanentError } from '../failures';

/**
 * Commands on a backend host, from the backend's `control_command` argv template with
 * `{action}` and `{user}` substituted (never through a shell). Actions:
 *   deny   refuse the user's logins and end their sessions (Cyrus: `cyr_deny <user>`)
 *   allow  lift that again (Cyrus: `cyr_deny -a <user>`)
 * workers/bin/cyrus-control maps them onto cyr_deny; over ssh the template would be e.g.
 * ["ssh", "cyrus1", "sudo", "/usr/local/bin/cyrus-control", "/etc/imapd.conf", "{action}", "{user}"].
 * Every call is recorded in relay_calls with the backend's id.
 */
export type ControlAction = 'deny' | 'allow';

const CONTROL_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_CHARS = 4000;

export class ControlCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlCommandError';
  }
}

export function controlArgv(
  template: readonly string[],
  action: ControlAction,
  user: string,
): string[] {
  return template.map((arg) => arg.replaceAll('{action}', action).replaceAll('{user}', user));
}

interface RunResult {
  exitCode: number | null;
  output: string;
  missing: boolean;
}

function run(argv: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      argv[0],
      argv.slice(1),
      { timeout: CONTROL_TIMEOUT_MS, maxBuffer: 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim().slice(0, MAX_OUTPUT_CHARS);
        if (!err) return resolve({ exitCode: 0, output, missing: false });
        const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
        if (e.code === 'ENOENT' || e.code === 'EACCES') {
          return resolve({ exitCode: null, output: `${argv[0]}: ${e.code}`, missing: true });
        }
        const exitCode = typeof e.code === 'number' ? e.code : null;
        resolve({ exitCode, output: output || e.message, missing: false });
      },
    );
  });
}

/**
 * Runs the backend's control command for `action` on `user` and records the call.
 * Returns false when the backend has no control command. A command that cannot be found is a
 * permanent failure; one that fails or times out is retried.
 */
export async function runBackendControl(
  ctx: WorkerContext,
  backend: Backend,
  action: ControlAction,
  user: string,
  reason: string,
): Promise<boolean> {
  const template = backend.controlCommand;
  if (!template || template.length === 0) return false;
  const argv = controlArgv(template, action, user);
  const started = Date.now();
  const result = await run(argv);
  await ctx.mailboxes.recordControlCall({
    backendId: backend.id,
    action,
    reason,
    exitCode: result.exitCode,
    output: result.output,
    durationMs: Date.now() - started,
  });
  if (result.missing) {
    throw new PermanentError(
      `control command of backend ${backend.name} cannot run: ${result.output}`,
    );
  }
  if (result.exitCode !== 0) {
    throw new ControlCommandError(
      `control command "${action}" for ${user} on backend ${backend.name} failed (exit ${result.exitCode ?? 'none'}): ${result.output}`,
    );
  }
  return true;
}
