import { JobName } from '@roost/core';
import { Backend } from '@roost/db';
import { asFreshAdmin } from '../backend-access';
import { JobHandler, WorkerContext } from '../context';
import { failureReason } from '../failures';
import { nextHealth } from './health';

/**
 * Checks every backend at once (connect, greeting, admin login, CAPABILITY, NOOP) with short
 * timeouts, and records health, latency and the last error. The queue runs one check at a
 * time, so the failure counter needs no locking.
 */
export const backendHealthJob: JobHandler<JobName.BackendHealthCheck> = {
  async run(_data, ctx) {
    const backends = await ctx.health.allBackends();
    const results = await Promise.all(backends.map((backend) => checkBackend(ctx, backend)));
    return Object.fromEntries(backends.map((b, i) => [b.name, results[i]]));
  },
};

async function checkBackend(ctx: WorkerContext, backend: Backend): Promise<string> {
  const started = process.hrtime.bigint();
  let latencyMs: number | null = null;
  let error: string | null = null;
  try {
    await asFreshAdmin(
      ctx,
      backend,
      async (admin) => {
        const capabilities = admin.capabilities();
        if (!capabilities.includes('IMAP4rev1') && !capabilities.includes('IMAP4REV1')) {
          throw new Error('the server does not announce IMAP4rev1');
        }
        await admin.noop();
        // connect + greeting + login + NOOP; the logout afterwards is not counted
        latencyMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
      },
      ctx.settings.healthImap,
    );
  } catch (err) {
    error = failureReason(err);
  }
  const next = nextHealth(
    { health: backend.health, failures: backend.healthFailures },
    error === null,
    ctx.settings.healthDownAfterFailures,
  );
  await ctx.health.record(backend.id, {
    ...next,
    latencyMs: error === null ? latencyMs : null,
    error,
  });
  if (next.health !== backend.health) {
    const log = error === null ? ctx.log.info : ctx.log.warn;
    log('backend health changed', {
      backend: backend.name,
      from: backend.health,
      to: next.health,
      error,
    });
  }
  return error === null
    ? `${next.health} ${latencyMs ?? '?'} ms`
    : `${next.health} (${next.failures} failures): ${error}`;
}
