export { startWorkers, StartWorkersOptions, RunningWorkers } from './start-workers';
export { JobProducer, DEFAULT_JOB_OPTIONS, AddJobOptions } from './producer';
export { createRedisConnection } from './redis';
export { loadWorkerConfig, WorkerConfig, ConfigError } from './config';
export {
  REGISTRY,
  REGISTERED_QUEUES,
  registryProblems,
  handlersFor,
  RegistryError,
} from './registry';
export { Logger, consoleLogger, quietLogger } from './logger';
export { controlArgv, ControlAction } from './mailbox/backend-control';
export { storageKiBFor } from './mailbox/provisioning';
export { applySchedules, Schedules } from './schedules';
export { runRelayControl, relayArgv, relayHandlers, RelayAction, RelayCallResult } from './relay';
export * as moves from './move';
export * as rebalance from './rebalance';
