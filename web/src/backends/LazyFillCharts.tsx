import { lazy, Suspense } from 'react';
import { Loading } from '../components/States';
import type { BackendRecord } from './types';

// recharts is a large chunk that only ops screens need: fetched when a chart is first shown
const FillChartsImpl = lazy(() => import('./FillCharts').then((m) => ({ default: m.FillCharts })));

export const FillCharts = ({ backends }: { backends: BackendRecord[] }) => (
  <Suspense fallback={<Loading what="charts" />}>
    <FillChartsImpl backends={backends} />
  </Suspense>
);
