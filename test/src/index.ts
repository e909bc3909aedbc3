// The harness, for benchmarks and tools that bring up real services the way the tests do.
export * from './harness/apt';
export * from './harness/cyrus';
export * from './harness/database';
export * from './harness/nginx';
export * from './harness/ports';
export * from './harness/postfix';
export * from './harness/redis';
