import { JobName } from '@roost/core';
import { QueueHandlers } from '../context';
import { relayReloadJob } from './relay-reload.job';

export { runRelayControl, relayArgv, RelayAction, RelayCallResult } from './relay-control';

export const relayHandlers: QueueHandlers = {
  [JobName.RelayReload]: relayReloadJob,
};
