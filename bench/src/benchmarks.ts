import type { Benchmark } from './benchmark';
import { datasetBenchmark } from './dataset.bench';
import { moveBenchmark } from './move.bench';
import { planBenchmark } from './plan.bench';

/** Every benchmark `npm run bench` knows, in the order it runs them. Add new ones here. */
export const BENCHMARKS: readonly Benchmark[] = [datasetBenchmark, planBenchmark, moveBenchmark];
