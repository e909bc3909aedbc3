import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { EnvError, loadEnv } from './env';

const BASE = {
  DATABASE_URL: 'postgres://roost@db/roost',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ROOST_SECRET_KEY: randomBytes(32).toString('base64'),
};

void describe('loadEnv', () => {
  void it('applies defaults and reads numbers', () => {
    const env = loadEnv({ ...BASE, ROOST_API_PORT: '9090', UNRELATED: 'x' });
    assert.equal(env.ROOST_API_PORT, 9090);
    assert.equal(env.ROOST_API_HOST, '127.0.0.1');
    assert.equal(env.ROOST_QUEUE_PREFIX, 'roost');
    assert.equal(env.ROOST_MAILBOX_RETENTION_DAYS, 30);
    assert.equal(env.cookieSecure, false);
    assert.equal(
      loadEnv({ ...BASE, ROOST_PUBLIC_URL: 'https://mail.example.com' }).cookieSecure,
      true,
    );
  });

  void it('names every missing or malformed variable in one message', () => {
    assert.throws(
      () =>
        loadEnv({ REDIS_URL: 'http://nope', ROOST_API_PORT: '70000', ROOST_QUEUE_PREFIX: 'a:b' }),
      (err: unknown) => {
        assert.ok(err instanceof EnvError);
        assert.match(err.message, /DATABASE_URL is not set/);
        assert.match(err.message, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
        assert.match(err.message, /ROOST_API_PORT/);
        assert.match(err.message, /ROOST_QUEUE_PREFIX/);
        assert.match(err.message, /ROOST_SECRET_KEY is not set/);
        return true;
      },
    );
  });

  void it('never echoes a value, which may be a secret', () => {
    assert.throws(
      () => loadEnv({ ...BASE, ROOST_MAIL_AUTH_SECRET: 'short-secret' }),
      (err: Error) =>
        !err.message.includes('short-secret') && /ROOST_MAIL_AUTH_SECRET/.test(err.message),
    );
  });

  void it('wants ROOST_SECRET_KEY as 32 bytes of base64, and never echoes it', () => {
    for (const bad of [
      randomBytes(16).toString('base64'),
      'not-base64-at-all-but-long-enough-xxxxxxxxxx=',
    ])
      assert.throws(
        () => loadEnv({ ...BASE, ROOST_SECRET_KEY: bad }),
        (err: Error) =>
          !err.message.includes(bad) &&
          /ROOST_SECRET_KEY must be 32 random bytes in base64/.test(err.message),
      );
  });

  void it('takes previous keys as a comma-separated list of keys, never echoed', () => {
    const [a, b] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
    assert.equal(
      loadEnv({ ...BASE, ROOST_SECRET_KEY_PREVIOUS: `${a},${b}` }).ROOST_SECRET_KEY_PREVIOUS,
      `${a},${b}`,
    );
    for (const bad of [`${a},`, `${a}, ${b}`, `${a},short`])
      assert.throws(
        () => loadEnv({ ...BASE, ROOST_SECRET_KEY_PREVIOUS: bad }),
        (err: Error) =>
          !err.message.includes(a) && /ROOST_SECRET_KEY_PREVIOUS must be keys/.test(err.message),
      );
  });
});
