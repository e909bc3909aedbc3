import { JobName } from '@roost/core';
import { RebalanceWorkerContext, rebalanceTick } from './rebalance-run.job';

export { msUntilWindow } from './maintenance-window';
export { RebalanceWorkerContext, rebalanceTick } from './rebalance-run.job';

/**
 * The rebalance queue's handlers, in the shape of the worker registry (`QueueHandlers`):
 *   [QueueName.Rebalance]: rebalanceQueueHandlers,
 */
export const rebalanceQueueHandlers = {
  [JobName.RebalanceRun]: {
    run: ({ planId }: { planId: number }, ctx: RebalanceWorkerContext) =>
      rebalanceTick(ctx, planId),
  },
};
