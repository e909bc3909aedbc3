import { JobName, QUEUE_OF, QueueName } from '@roost/core';
import { backendHealthHandlers } from './backend-health';
import { QueueHandlers } from './context';
import { mailboxHandlers } from './mailbox';
import { moveQueueHandlers } from './move';
import { quotaSyncHandlers } from './quota-sync';
import { rebalanceQueueHandlers } from './rebalance';
import { relayHandlers } from './relay';

/**
 * The queues this worker process can work, each with one handler per job name of the queue
 * (names and payloads are typed in @roost/core). Boot fails when a job of a worked queue has no
 * handler.
 */
export const REGISTRY: Partial<Record<QueueName, QueueHandlers>> = {
  [QueueName.Mailbox]: mailboxHandlers,
  [QueueName.QuotaSync]: quotaSyncHandlers,
  [QueueName.BackendHealth]: backendHealthHandlers,
  [QueueName.Relay]: relayHandlers,
  [QueueName.Move]: moveQueueHandlers,
  [QueueName.Rebalance]: rebalanceQueueHandlers,
};

/** The queues with a processor, which a worker works unless told otherwise. */
export const REGISTERED_QUEUES = Object.keys(REGISTRY) as QueueName[];

export class RegistryError extends Error {
  constructor(readonly problems: string[]) {
    super(`job registry is incomplete:\n  - ${problems.join('\n  - ')}`);
    this.name = 'RegistryError';
  }
}

/** Everything wrong with `registry` for working `queues`; empty when it is complete. */
export function registryProblems(
  queues: readonly QueueName[],
  registry: Partial<Record<QueueName, QueueHandlers>> = REGISTRY,
): string[] {
  const problems: string[] = [];
  for (const queue of queues) {
    const handlers = registry[queue];
    if (!handlers) {
      problems.push(`queue "${queue}" has no processor registered`);
      continue;
    }
    for (const name of Object.values(JobName)) {
      if (QUEUE_OF[name] === queue && !handlers[name]) {
        problems.push(`job "${name}" of queue "${queue}" has no handler`);
      }
    }
    for (const name of Object.keys(handlers) as JobName[]) {
      if (QUEUE_OF[name] !== queue) {
        problems.push(
          `handler for "${name}" is registered on queue "${queue}" but the job belongs to "${QUEUE_OF[name]}"`,
        );
      }
    }
  }
  return problems;
}

/** The handler maps for `queues`; throws at boot when a queue or a job lacks a handler. */
export function handlersFor(
  queues: readonly QueueName[],
  registry: Partial<Record<QueueName, QueueHandlers>> = REGISTRY,
): Map<QueueName, QueueHandlers> {
  const problems = registryProblems(queues, registry);
  if (problems.length > 0) throw new RegistryError(problems);
  return new Map(queues.map((q) => [q, registry[q] as QueueHandlers]));
}
