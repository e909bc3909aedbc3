import { JobName, QueueName } from '@roost/core';
import { Job, Processor, UnrecoverableError } from 'bullmq';
import { QueueHandlers, WorkerContext } from './context';
import { runWithFailurePolicy } from './failures';

/** The BullMQ processor of one queue: dispatch by job name, then the shared failure policy. */
export function createProcessor(
  queue: QueueName,
  handlers: QueueHandlers,
  ctx: WorkerContext,
): Processor {
  return async (job: Job, token?: string) => {
    const handler = handlers[job.name as JobName];
    if (!handler)
      throw new UnrecoverableError(`no handler for job "${job.name}" on queue "${queue}"`);
    const result = await runWithFailurePolicy(
      job,
      () => handler.run(job.data, ctx, job, token),
      { onGiveUp: handler.onGiveUp && ((data, reason) => handler.onGiveUp!(data, reason, ctx)) },
      (err) =>
        ctx.log.error('recording a failed job did not work', {
          queue,
          job: job.id,
          err: String(err),
        }),
    );
    if (result && typeof result === 'object' && 'skipped' in result) {
      ctx.log.info('job skipped', { queue, name: job.name, job: job.id, reason: result.skipped });
    }
    return result;
  };
}
