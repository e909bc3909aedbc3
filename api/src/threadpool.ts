import { availableParallelism } from 'node:os';

/**
 * argon2id runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise).
 * Every mail login costs one 19 MiB, CPU-bound verification: more of them in flight than cores
 * only adds context switches (on 2 cores, 4 threads verified 10% fewer passwords a second than
 * 2). So the pool gets one thread per core, at least 2, unless the operator set its size.
 * Imported first by main.ts: the pool's size is read when it first starts.
 */
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
