import { JobName } from '@roost/core';
import { JobHandler } from '../context';
import { runRelayControl } from './relay-control';

/**
 * `relay-reload`: every active relay reloads (and flushes when asked). Each call is recorded;
 * if any relay failed the job fails and BullMQ retries it (a reload is harmless to repeat).
 */
export const relayReloadJob: JobHandler<JobName.RelayReload> = {
  async run(data, ctx) {
    const results = await runRelayControl(ctx.db, data.flush ? 'flush' : 'reload', data.reason);
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      const list = failed.map((r) => `${r.relayName} ${r.action} (exit ${r.exitCode ?? 'none'})`);
      throw new Error(`relay control failed: ${list.join(', ')}`);
    }
    return { relays: new Set(results.map((r) => r.relayId)).size, calls: results.length };
  },
};
