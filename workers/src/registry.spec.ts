import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobName, QueueName } from '@roost/core';
import { QueueHandlers } from './context';
import { REGISTERED_QUEUES, RegistryError, handlersFor, registryProblems } from './registry';

const noop = { run: () => Promise.resolve() };

void describe('job registry', () => {
  void it('has a handler for every job of every registered queue', () => {
    assert.deepEqual(registryProblems(REGISTERED_QUEUES), []);
    assert.deepEqual([...REGISTERED_QUEUES].sort(), [
      QueueName.BackendHealth,
      QueueName.Mailbox,
      QueueName.QuotaSync,
    ]);
  });

  void it('fails at boot for a queue without a processor (move, rebalance, relay belong to other issues)', () => {
    assert.throws(() => handlersFor([QueueName.Mailbox, QueueName.Move]), RegistryError);
    assert.deepEqual(registryProblems([QueueName.Relay]), [
      'queue "relay" has no processor registered',
    ]);
  });

  void it('names a job without a handler and a handler on the wrong queue', () => {
    const registry: Partial<Record<QueueName, QueueHandlers>> = {
      [QueueName.QuotaSync]: { [JobName.QuotaSyncAll]: noop, [JobName.MailboxCreate]: noop },
    };
    assert.deepEqual(registryProblems([QueueName.QuotaSync], registry), [
      'job "quota-sync-backend" of queue "quota-sync" has no handler',
      'handler for "mailbox-create" is registered on queue "quota-sync" but the job belongs to "mailbox"',
    ]);
  });
});
