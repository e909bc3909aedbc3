import { startMoveWorker } from './move-worker';

// A move worker in a process of its own, so that a test can kill it with SIGKILL mid-move.
// Configured by the environment: ROOST_TEST_DATABASE_URL, ROOST_TEST_REDIS_URL,
// ROOST_TEST_PREFIX, ROOST_TEST_MOVE_SETTINGS (JSON); prints "ready" once it takes jobs.

async function main(): Promise<void> {
  const env = process.env;
  const worker = await startMoveWorker({
    databaseUrl: env.ROOST_TEST_DATABASE_URL ?? '',
    redisUrl: env.ROOST_TEST_REDIS_URL ?? '',
    prefix: env.ROOST_TEST_PREFIX ?? '',
    settings: JSON.parse(env.ROOST_TEST_MOVE_SETTINGS ?? '{}') as Record<string, number>,
    verbose: env.ROOST_TEST_VERBOSE === '1',
  });
  console.log('ready');
  const stop = () => {
    worker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
