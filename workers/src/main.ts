import { QueueName } from '@roost/core';
import { ConfigError, loadWorkerConfig } from './config';
import { consoleLogger as log } from './logger';
import { startWorkers } from './start-workers';

/** The worker process: no HTTP, just BullMQ workers until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const workers = await startWorkers({
    databaseUrl: config.databaseUrl,
    redisUrl: config.redisUrl,
    prefix: config.prefix,
    concurrency: { [QueueName.Mailbox]: config.mailboxConcurrency },
    schedules: {
      quotaSyncEveryMs: config.quotaSyncEveryMs,
      backendHealthEveryMs: config.backendHealthEveryMs,
      reconcileEveryMs: config.reconcileEveryMs,
    },
    settings: {
      healthDownAfterFailures: config.healthDownAfterFailures,
      reconcileGraceMs: config.reconcileGraceMs,
      mailboxMoveWaitMs: config.mailboxMoveWaitMs,
    },
  });

  const stop = (signal: NodeJS.Signals) => {
    log.info('stopping: letting running jobs finish', { signal });
    workers.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    log.error('workers did not start', { error: err instanceof Error ? err.message : String(err) });
  }
  process.exit(1);
});
