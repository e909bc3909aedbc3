import { Backend } from '@roost/db';
import {
  CyrusAdminSession,
  CyrusUserSession,
  SessionOptions,
  resolveSecret,
  withAdmin,
  withUser,
} from '@roost/imap';
import { WorkerContext } from './context';

/**
 * IMAP sessions on a backend for a job. The admin password is looked up from the backend's
 * reference at the moment it is needed; it never enters job data, logs or the database.
 * Admin sessions come from the worker's pool (kept logged in between jobs).
 */
export async function asAdmin<T>(
  ctx: WorkerContext,
  backend: Backend,
  fn: (admin: CyrusAdminSession) => Promise<T>,
): Promise<T> {
  const secret = await resolveSecret(backend.adminSecretRef, ctx.env);
  return ctx.adminPool.use(backend, secret, fn);
}

/** A fresh admin login, not from the pool (health checks measure exactly that). */
export async function asFreshAdmin<T>(
  ctx: WorkerContext,
  backend: Backend,
  fn: (admin: CyrusAdminSession) => Promise<T>,
  options: SessionOptions,
): Promise<T> {
  const secret = await resolveSecret(backend.adminSecretRef, ctx.env);
  return withAdmin(backend, secret, fn, options);
}

/** A session as `address`, by proxy authorisation with the backend's admin credentials. */
export async function asUser<T>(
  ctx: WorkerContext,
  backend: Backend,
  address: string,
  fn: (user: CyrusUserSession) => Promise<T>,
): Promise<T> {
  const secret = await resolveSecret(backend.adminSecretRef, ctx.env);
  return withUser(backend, secret, address, fn, ctx.imap);
}
