import { JobName } from '@roost/core';
import { JobHandler } from '../context';

/**
 * The repeatable job: one quota-sync-backend job per backend, so a slow or dead backend only
 * delays its own mailboxes. A backend whose previous sync is still queued or running is not
 * given a second one (deduplication by backend).
 */
export const quotaSyncAllJob: JobHandler<JobName.QuotaSyncAll> = {
  async run(_data, ctx, job) {
    const backends = await ctx.quotaSync.backendsToSync();
    const run = job.id ?? String(Date.now());
    for (const backend of backends) {
      await ctx.producer.add(
        JobName.QuotaSyncBackend,
        { backendId: backend.id },
        { version: run, deduplicationId: `quota-sync-backend-${backend.id}` },
      );
    }
    return { backends: backends.map((b) => b.name) };
  },
};
