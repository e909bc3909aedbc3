import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from './apt';
import { freePort } from './ports';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
    s.on('data', (d) => (s.destroy(), resolve(d.toString().startsWith('+PONG'))));
    s.on('error', () => resolve(false));
  });
}

/**
 * Redis for tests: the machine's server on 6379 when it answers (tests isolate themselves with
 * their own BullMQ prefix), else a private Debian `redis-server` on a free port.
 */
export async function startRedis(): Promise<TestRedis> {
  if (process.env.ROOST_TEST_REDIS_URL)
    return { url: process.env.ROOST_TEST_REDIS_URL, stop: async () => {} };
  if (await answersPing(6379)) return { url: 'redis://127.0.0.1:6379', stop: async () => {} };
  await ensureDebianPackages(['redis-server'], 'Redis for the job queues');
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'roost-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 50 && !(await answersPing(port)); i++)
    await new Promise((r) => setTimeout(r, 100));
  if (!(await answersPing(port))) throw new Error(`redis-server did not start on port ${port}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
