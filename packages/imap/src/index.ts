import { CyrusAdminSession } from './admin-session';
import { CyrusBackendConfig } from './options';
import { SessionOptions } from './session';
import { CyrusUserSession } from './user-session';

export * from './errors';
export * from './options';
export * from './quota';
export * from './secret';
export { CyrusAdminSession } from './admin-session';
export { CyrusUserSession, UserFolder } from './user-session';
export { CyrusSession, QuotaRootInfo, SessionOptions } from './session';

/** Logs in as the backend's admin. `secret` comes from `resolveSecret(backend.adminSecretRef)`. */
export function openAdmin(
  backend: CyrusBackendConfig,
  secret: string,
  options?: SessionOptions,
): Promise<CyrusAdminSession> {
  return CyrusAdminSession.open(backend, secret, options);
}

/** Logs in as `address` with the admin's credentials (proxy authorisation). */
export function openAsUser(
  backend: CyrusBackendConfig,
  secret: string,
  address: string,
  options?: SessionOptions,
): Promise<CyrusUserSession> {
  return CyrusUserSession.open(backend, secret, address, options);
}

/** Runs `fn` in an admin session and always logs out afterwards. */
export async function withAdmin<T>(
  backend: CyrusBackendConfig,
  secret: string,
  fn: (session: CyrusAdminSession) => Promise<T>,
  options?: SessionOptions,
): Promise<T> {
  const session = await openAdmin(backend, secret, options);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

/** Runs `fn` as the mailbox owner (proxy authorisation) and always logs out afterwards. */
export async function withUser<T>(
  backend: CyrusBackendConfig,
  secret: string,
  address: string,
  fn: (session: CyrusUserSession) => Promise<T>,
  options?: SessionOptions,
): Promise<T> {
  const session = await openAsUser(backend, secret, address, options);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

// Moves: bulk transfer as the owner, verification digests, XFER, and ManageSieve.
export * from './transfer';
export { SieveClient, SieveCredentials, SieveEndpoint, SieveError, SieveScriptInfo } from './sieve';
