import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

// Wait for another apt/dpkg run (e.g. a parallel CI step) instead of failing at once.
const APT_LOCK_OPTION = '-o=DPkg::Lock::Timeout=300';
const APT_TIMEOUT_MS = 15 * 60_000;

let aptUpdated: Promise<void> | undefined;
// apt holds a global lock, so installs from one process run one after another.
let queue: Promise<unknown> = Promise.resolve();

/** True when dpkg reports the package as fully installed. */
export async function isDebianPackageInstalled(pkg: string): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync('dpkg-query', ['-W', '-f=${Status}', pkg]);
    return stdout.trim() === 'install ok installed';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'dpkg-query not found: the test harness needs a Debian/Ubuntu machine with apt',
        { cause: err },
      );
    }
    return false; // dpkg-query exits 1 for packages it has never heard of
  }
}

export async function missingDebianPackages(pkgs: string[]): Promise<string[]> {
  const installed = await Promise.all(pkgs.map((pkg) => isDebianPackageInstalled(pkg)));
  return pkgs.filter((_, i) => !installed[i]);
}

/**
 * Makes sure the Debian packages are installed. As root it installs the missing ones
 * (apt-get update once per process first); otherwise it throws with the exact command to run.
 * `why` says who needs them, for the message.
 */
export function ensureDebianPackages(pkgs: string[], why: string): Promise<void> {
  const run = queue.then(() => ensureNow(pkgs, why));
  queue = run.catch(() => undefined);
  return run;
}

async function ensureNow(pkgs: string[], why: string): Promise<void> {
  const missing = await missingDebianPackages(pkgs);
  if (missing.length === 0) return;
  const command = `DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${why} needs the Debian packages ${missing.join(', ')}. Install them as root: sudo ${command}`,
    );
  }
  aptUpdated ??= aptGet(['update']).catch((err: unknown) => {
    aptUpdated = undefined; // let a later call retry
    throw err;
  });
  await aptUpdated;
  await aptGet(['install', '-y', ...missing]);
  const stillMissing = await missingDebianPackages(missing);
  if (stillMissing.length > 0) {
    throw new Error(
      `${why}: apt-get install finished but ${stillMissing.join(', ')} is still not installed`,
    );
  }
}

async function aptGet(args: string[]): Promise<void> {
  try {
    await execFileAsync('apt-get', [APT_LOCK_OPTION, ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: APT_TIMEOUT_MS,
    });
  } catch (err) {
    const { code, stderr, stdout } = err as {
      code?: number | string;
      stderr?: string;
      stdout?: string;
    };
    const output = `${stderr ?? ''}\n${stdout ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`apt-get ${args.join(' ')} failed (${code ?? 'killed'}):\n${output}`, {
      cause: err,
    });
  }
}
