import { Box } from '@mui/material';
import type { BackendFill } from '@roost/core';
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

interface Props {
  before: BackendFill[];
  after: BackendFill[];
  /** Names and capacities by backend id (for labels and the target fill). */
  backends: Map<number, { name: string; capacityBytes: number }>;
}

/** Fill of each backend before and after the plan, in percent of capacity, with the target. */
export const DryRunChart = ({ before, after, backends }: Props) => {
  const afterById = new Map(after.map((b) => [b.id, b]));
  const data = before.map((b) => {
    const a = afterById.get(b.id);
    const capacity = backends.get(b.id)?.capacityBytes ?? 0;
    return {
      name: backends.get(b.id)?.name ?? `#${b.id}`,
      state: b.state,
      before: +(b.fillRatio * 100).toFixed(1),
      after: a ? +(a.fillRatio * 100).toFixed(1) : null,
      target: capacity > 0 ? +((b.targetBytes / capacity) * 100).toFixed(1) : null,
    };
  });
  return (
    <Box sx={{ height: 300 }} data-testid="dry-run-chart">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="name" />
          <YAxis unit="%" />
          <Tooltip formatter={(v) => `${String(v)} %`} />
          <Legend />
          <Bar dataKey="before" name="fill before" fill="#90a4ae" isAnimationActive={false} />
          <Bar dataKey="after" name="fill after" fill="#1976d2" isAnimationActive={false} />
          <Scatter
            dataKey="target"
            name="target"
            fill="#d32f2f"
            shape="diamond"
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </Box>
  );
};
