import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { QueueName } from '@roost/core';
import { JobProducer, createRedisConnection } from '@roost/workers';
import { TestDatabase, createTestDatabase } from '../harness/database';
import { TestRedis, startRedis } from '../harness/redis';

// The worker process itself: environment checked at boot, workers started, a graceful stop on
// SIGTERM, and no HTTP.

const MAIN = require.resolve('@roost/workers/dist/main.js');

interface Exited {
  code: number | null;
  output: string;
}

function startMain(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(
    ([code]) => ({ code: code as number | null, output }) satisfies Exited,
  );
  return { child, exited, output: () => output };
}

void describe('worker process', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  const prefix = `roost-test-main-${process.pid}`;

  before(async () => {
    db = await createTestDatabase();
    redis = await startRedis();
  });

  after(async () => {
    if (redis) {
      // the queues the worker process created under its prefix
      const connection = createRedisConnection(redis.url);
      const producer = new JobProducer(connection, prefix);
      for (const name of Object.values(QueueName))
        await producer.queue(name).obliterate({ force: true });
      await producer.close();
      await connection.quit();
    }
    await redis?.stop();
    await db?.drop();
  });

  void it('refuses to start with a bad environment and says what is wrong', async () => {
    const { exited } = startMain({ DATABASE_URL: 'mysql://x', ROOST_MAILBOX_CONCURRENCY: '0' });
    const { code, output } = await exited;
    assert.equal(code, 1);
    assert.match(output, /DATABASE_URL must start with postgres:\/\//);
    assert.match(output, /REDIS_URL is not set/);
    assert.match(output, /ROOST_MAILBOX_CONCURRENCY must be a whole number >= 1/);
  });

  void it('starts its workers and stops cleanly on SIGTERM', async () => {
    const main = startMain({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      ROOST_QUEUE_PREFIX: prefix,
      ROOST_QUOTA_SYNC_EVERY_MS: '0',
      ROOST_HEALTH_EVERY_MS: '0',
    });
    const deadline = Date.now() + 20_000;
    while (!main.output().includes('workers started')) {
      if (Date.now() > deadline || main.child.exitCode !== null)
        assert.fail(`did not start: ${main.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = /"message":"workers started","queues":(\[[^\]]*\])/.exec(main.output());
    const queues = JSON.parse(started![1]) as string[];
    for (const queue of ['mailbox', 'quota-sync', 'backend-health'])
      assert.ok(queues.includes(queue), queue);
    main.child.kill('SIGTERM');
    const { code, output } = await main.exited;
    assert.equal(code, 0, output);
    assert.match(output, /stopping: letting running jobs finish/);
  });
});
