import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/** UV_THREADPOOL_SIZE as a fresh node process sees it after loading threadpool.js. */
function poolSizeWith(env: NodeJS.ProcessEnv): string {
  const module = join(__dirname, 'threadpool.js');
  return execFileSync(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(module)}); process.stdout.write(process.env.UV_THREADPOOL_SIZE)`,
    ],
    { env },
  ).toString();
}

void describe('thread pool size', () => {
  void it('defaults to one thread per core, at least 2', () => {
    const env = { ...process.env };
    delete env.UV_THREADPOOL_SIZE;
    assert.equal(poolSizeWith(env), String(Math.max(2, availableParallelism())));
  });

  void it("keeps the operator's UV_THREADPOOL_SIZE", () => {
    assert.equal(poolSizeWith({ ...process.env, UV_THREADPOOL_SIZE: '7' }), '7');
  });
});
