export * from './benchmark';
export { BENCHMARKS } from './benchmarks';
export { benchAdminUrl, createBenchDatabase, type BenchDatabase } from './database';
export {
  BENCH_PASSWORD_HASH,
  loadDataset,
  type DatasetOptions,
  type DatasetStats,
} from './dataset';
