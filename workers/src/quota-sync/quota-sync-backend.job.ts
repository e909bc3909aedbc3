import { JobName, cyrusMailboxName, cyrusKiBToBytes } from '@roost/core';
import { CyrusAdminSession, openAdmin, resolveSecret } from '@roost/imap';
import { JobHandler, WorkerContext, skipped } from '../context';
import { MailboxToSync, Usage } from './quota-sync.repository';

/**
 * Reads every mailbox's usage on one backend (GETQUOTA on the user's root) into `used_bytes`
 * and `used_synced_at`. Pages of mailboxes are split over a few admin connections (imapflow
 * sends one command at a time per connection); each page is written with one UPDATE.
 * A mailbox without a quota root on the backend is left as it was.
 */
export const quotaSyncBackendJob: JobHandler<JobName.QuotaSyncBackend> = {
  async run({ backendId }, ctx) {
    const backend = await ctx.quotaSync.findBackend(backendId);
    if (!backend) return skipped('backend no longer exists');
    const secret = await resolveSecret(backend.adminSecretRef, ctx.env);
    const connections = Math.max(1, ctx.settings.quotaSyncConnections);
    const sessions: CyrusAdminSession[] = [];
    let synced = 0;
    let unknown = 0;
    try {
      for (let i = 0; i < connections; i++)
        sessions.push(await openAdmin(backend, secret, ctx.imap));
      for (let after = 0; ;) {
        const page = await ctx.quotaSync.mailboxPage(
          backendId,
          after,
          ctx.settings.quotaSyncBatchSize,
        );
        if (page.length === 0) break;
        after = page[page.length - 1].id;
        const usage = await readUsage(sessions, page);
        await ctx.quotaSync.recordUsage(usage);
        synced += usage.length;
        unknown += page.length - usage.length;
      }
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
    if (unknown > 0) logUnknown(ctx, backend.name, unknown);
    return { backend: backend.name, synced, unknown };
  },
};

/** Deals the page out round-robin over the sessions, which run in parallel. */
async function readUsage(sessions: CyrusAdminSession[], page: MailboxToSync[]): Promise<Usage[]> {
  const usage: Usage[] = [];
  await Promise.all(
    sessions.map(async (session, offset) => {
      for (let i = offset; i < page.length; i += sessions.length) {
        const quota = await session.getQuota(cyrusMailboxName(page[i].address));
        const storage = quota?.STORAGE;
        if (storage)
          usage.push({ mailboxId: page[i].id, usedBytes: cyrusKiBToBytes(storage.usage) });
      }
    }),
  );
  return usage;
}

function logUnknown(ctx: WorkerContext, backend: string, count: number): void {
  ctx.log.warn('mailboxes without a quota root on their backend; usage not updated', {
    backend,
    count,
  });
}
