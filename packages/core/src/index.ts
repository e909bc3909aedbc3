export * from './enums';
export * from './address';
export * from './cyrus-naming';
export * from './quota';
export * from './placement';
export * from './jobs';
export * from './rebalance-planner';
