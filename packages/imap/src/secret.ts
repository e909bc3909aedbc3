import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';

/**
 * Backends hold a reference to their admin password, never the password: `env:NAME` reads an
 * environment variable of the worker process, `file:/path` a file (one trailing newline is
 * dropped, as written by `echo` or a secrets mount). Errors name the reference, not the value.
 */
export class SecretRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretRefError';
  }
}

export type ParsedSecretRef = { kind: 'env'; name: string } | { kind: 'file'; path: string };

export function parseSecretRef(ref: string): ParsedSecretRef {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new SecretRefError(
        `secret reference "${ref}": "${name}" is not an environment variable name`,
      );
    }
    return { kind: 'env', name };
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    if (!isAbsolute(path)) {
      throw new SecretRefError(`secret reference "${ref}": the path must be absolute`);
    }
    return { kind: 'file', path };
  }
  throw new SecretRefError(`secret reference "${ref}" must start with env: or file:`);
}

export async function resolveSecret(
  ref: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const parsed = parseSecretRef(ref);
  let value: string | undefined;
  if (parsed.kind === 'env') {
    value = env[parsed.name];
  } else {
    try {
      value = (await readFile(parsed.path, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw new SecretRefError(
        `secret reference "${ref}": cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (value === undefined || value === '') {
    throw new SecretRefError(`secret reference "${ref}" is empty or not set`);
  }
  return value;
}
