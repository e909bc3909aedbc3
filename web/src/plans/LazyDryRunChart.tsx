import { lazy, Suspense, type ComponentProps } from 'react';
import { Loading } from '../components/States';
import type { DryRunChart as Impl } from './DryRunChart';

// recharts is a large chunk that only ops screens need: fetched when a chart is first shown
const DryRunChartImpl = lazy(() =>
  import('./DryRunChart').then((m) => ({ default: m.DryRunChart })),
);

export const DryRunChart = (props: ComponentProps<typeof Impl>) => (
  <Suspense fallback={<Loading what="chart" />}>
    <DryRunChartImpl {...props} />
  </Suspense>
);
