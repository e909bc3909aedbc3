import { after, before } from 'node:test';
import { cyrusMailboxName } from '@roost/core';
import { Backend } from '@roost/db';
import { CyrusAdminSession, resolveSecret, withAdmin } from '@roost/imap';
import { WorkerEnv, WorkerEnvOptions, startWorkerEnv } from './worker-env';

// What the mailbox-job test files share: a worker env whose backends run the real
// cyrus-control (cyr_deny, suspensions), started before the file and torn down after it, and a
// backend admin's view of what the jobs did on Cyrus.

const CYRUS_CONTROL = require.resolve('@roost/workers/bin/cyrus-control');

/**
 * Registers the `before` that starts the env and the `after` that tears it down, in the calling
 * `describe`; the returned object is filled in when the `before` has run.
 */
export function workerLab(opts: Omit<WorkerEnvOptions, 'controlCommand'>): WorkerEnv {
  const env = {} as WorkerEnv;
  before(async () => {
    Object.assign(
      env,
      await startWorkerEnv({
        ...opts,
        controlCommand: (instance) => [CYRUS_CONTROL, instance.imapdConfPath, '{action}', '{user}'],
      }),
    );
  });
  after(async () => {
    await env.teardown?.();
  });
  return env;
}

/** Runs `fn` as the Cyrus admin of the backend with this id, as its `backends` row says. */
export async function asBackendAdmin<T>(
  env: WorkerEnv,
  backendId: number,
  fn: (admin: CyrusAdminSession) => Promise<T>,
): Promise<T> {
  const { rows } = await env.pool.query<{
    name: string;
    admin_secret_ref: string;
    imap_port: number;
  }>('SELECT name, admin_secret_ref, imap_port FROM backends WHERE id = $1', [backendId]);
  const backend = {
    id: backendId,
    name: rows[0].name,
    imapHost: '127.0.0.1',
    imapPort: rows[0].imap_port,
    tlsMode: 'none',
    tlsVerify: true,
    adminUser: 'cyrus',
    adminSecretRef: rows[0].admin_secret_ref,
  } as Backend;
  return withAdmin(backend, await resolveSecret(backend.adminSecretRef), fn);
}

/** The user's STORAGE quota limit in KiB on that backend, or null when there is none. */
export const cyrusQuotaKiB = (env: WorkerEnv, backendId: number, address: string) =>
  asBackendAdmin(
    env,
    backendId,
    async (a) => (await a.getQuota(cyrusMailboxName(address)))?.STORAGE?.limit ?? null,
  );

/** Whether the user's INBOX exists on that backend. */
export const cyrusMailboxExists = (env: WorkerEnv, backendId: number, address: string) =>
  asBackendAdmin(env, backendId, (a) => a.mailboxExists(cyrusMailboxName(address)));
