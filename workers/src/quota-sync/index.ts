import { JobName } from '@roost/core';
import { QueueHandlers } from '../context';
import { quotaSyncAllJob } from './quota-sync-all.job';
import { quotaSyncBackendJob } from './quota-sync-backend.job';

export const quotaSyncHandlers: QueueHandlers = {
  [JobName.QuotaSyncAll]: quotaSyncAllJob,
  [JobName.QuotaSyncBackend]: quotaSyncBackendJob,
};
