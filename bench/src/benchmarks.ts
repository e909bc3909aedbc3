import { apiListBenchmark } from './api-list.bench';
import type { Benchmark } from './benchmark';
import { datasetBenchmark } from './dataset.bench';
import { moveBenchmark } from './move.bench';
import { planBenchmark } from './plan.bench';
import { provisionBenchmark } from './provision.bench';
import { quotaSyncBenchmark } from './quota-sync.bench';
import { routingBenchmark } from './routing.bench';

/** Every benchmark `npm run bench` knows, in the order it runs them. Add new ones here. */
export const BENCHMARKS: readonly Benchmark[] = [
  datasetBenchmark,
  apiListBenchmark,
  routingBenchmark,
  planBenchmark,
  provisionBenchmark,
  quotaSyncBenchmark,
  moveBenchmark,
];
