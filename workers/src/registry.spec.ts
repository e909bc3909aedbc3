import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobName, QueueName } from '@roost/core';
import { QueueHandlers } from './context';
import { REGISTERED_QUEUES, RegistryError, handlersFor, registryProblems } from './registry';

const noop = { run: () => Promise.resolve() };

void describe('job registry', () => {
  void it('has a handler for every job of every registered queue', () => {
    assert.deepEqual(registryProblems(REGISTERED_QUEUES), []);
    for (const queue of [QueueName.Mailbox, QueueName.QuotaSync, QueueName.BackendHealth]) {
      assert.ok(REGISTERED_QUEUES.includes(queue), `${queue} is registered`);
    }
  });

  void it('fails at boot for a queue without a processor', () => {
    const registry: Partial<Record<QueueName, QueueHandlers>> = { [QueueName.Mailbox]: {} };
    assert.throws(() => handlersFor([QueueName.Relay], registry), RegistryError);
    assert.deepEqual(registryProblems([QueueName.Relay], registry), [
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
