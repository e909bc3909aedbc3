import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadWorkerConfig } from './config';

const base = {
  DATABASE_URL: 'postgres://roost@127.0.0.1/roost',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

void describe('loadWorkerConfig', () => {
  void it('needs only the database and Redis URLs, with defaults for the rest', () => {
    const config = loadWorkerConfig(base);
    assert.equal(config.prefix, 'roost');
    assert.equal(config.mailboxConcurrency, 8);
    assert.equal(config.healthDownAfterFailures, 3);
    assert.equal(config.quotaSyncEveryMs, 900_000);
    assert.equal(config.reconcileEveryMs, 30_000);
    assert.equal(config.reconcileGraceMs, 120_000);
    assert.equal(config.mailboxMoveWaitMs, 30_000);
  });

  void it('reads the optional settings', () => {
    const config = loadWorkerConfig({
      ...base,
      ROOST_QUEUE_PREFIX: 'roost-staging',
      ROOST_MAILBOX_CONCURRENCY: '16',
      ROOST_HEALTH_DOWN_AFTER: '5',
      ROOST_QUOTA_SYNC_EVERY_MS: '0',
      ROOST_RECONCILE_EVERY_MS: '0',
      ROOST_RECONCILE_GRACE_MS: '5000',
    });
    assert.equal(config.prefix, 'roost-staging');
    assert.equal(config.mailboxConcurrency, 16);
    assert.equal(config.healthDownAfterFailures, 5);
    assert.equal(config.quotaSyncEveryMs, 0);
    assert.equal(config.reconcileEveryMs, 0);
    assert.equal(config.reconcileGraceMs, 5_000);
  });

  void it('reports every problem at once without echoing URLs', () => {
    try {
      loadWorkerConfig({
        DATABASE_URL: 'mysql://u:hunter2@db/x',
        ROOST_QUEUE_PREFIX: 'a:b',
        ROOST_MAILBOX_CONCURRENCY: 'many',
      });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 4);
      assert.match(err.message, /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
      assert.match(err.message, /REDIS_URL is not set/);
      assert.match(err.message, /ROOST_QUEUE_PREFIX/);
      assert.match(
        err.message,
        /ROOST_MAILBOX_CONCURRENCY must be a whole number >= 1, got "many"/,
      );
      assert.doesNotMatch(err.message, /hunter2/);
    }
  });
});
