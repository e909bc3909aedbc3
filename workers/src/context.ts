import { JobName, JobPayloads } from '@roost/core';
import { SessionOptions } from '@roost/imap';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { AdminSessionPool } from './admin-pool';
import { BackendHealthRepository } from './backend-health/backend-health.repository';
import { Logger } from './logger';
import { MailboxJobRepository } from './mailbox/mailbox.repository';
import { JobProducer } from './producer';
import { QuotaSyncRepository } from './quota-sync/quota-sync.repository';

/** What every handler gets: repositories, the producer for follow-up jobs, settings. */
export interface WorkerContext {
  db: DataSource;
  mailboxes: MailboxJobRepository;
  quotaSync: QuotaSyncRepository;
  health: BackendHealthRepository;
  producer: JobProducer;
  /** Admin sessions reused between jobs. */
  adminPool: AdminSessionPool;
  log: Logger;
  /** Where `env:` secret references are read. */
  env: NodeJS.ProcessEnv;
  imap: SessionOptions;
  settings: WorkerSettings;
}

export interface WorkerSettings {
  healthDownAfterFailures: number;
  /** Shorter timeouts for health checks, so a hanging backend is reported quickly. */
  healthImap: SessionOptions;
  quotaSyncBatchSize: number;
  /** Admin connections per backend during a quota sync. */
  quotaSyncConnections: number;
  /** How long a mailbox job waits before it looks again whether a move is still under way. */
  mailboxMoveWaitMs: number;
  /** The reconciler leaves a pending mailbox alone this long after its last change. */
  reconcileGraceMs: number;
  /** Mailboxes the reconciler takes per run. */
  reconcileBatchSize: number;
}

/** One handler per job name: `run` does the work, `onGiveUp` records a final failure. */
export interface JobHandler<J extends JobName> {
  /** Re-reads state, returns quietly when the job no longer applies; idempotent. */
  run(
    data: JobPayloads[J],
    ctx: WorkerContext,
    job: Job<JobPayloads[J]>,
    token?: string,
  ): Promise<unknown>;
  /** Called once when the job will not run again (permanent failure or last attempt). */
  onGiveUp?(data: JobPayloads[J], reason: string, ctx: WorkerContext): Promise<void>;
}

export type QueueHandlers = { [J in JobName]?: JobHandler<J> };

/** What a handler returns when the job is stale: logged, and kept as the job's return value. */
export function skipped(reason: string): { skipped: string } {
  return { skipped: reason };
}
