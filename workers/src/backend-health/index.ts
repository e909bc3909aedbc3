import { JobName } from '@roost/core';
import { QueueHandlers } from '../context';
import { backendHealthJob } from './backend-health.job';

export const backendHealthHandlers: QueueHandlers = {
  [JobName.BackendHealthCheck]: backendHealthJob,
};
