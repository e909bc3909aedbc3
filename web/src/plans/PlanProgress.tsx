import { Box, LinearProgress, Typography } from '@mui/material';
import { MoveState, TERMINAL_MOVE_STATES } from '@roost/core';
import { useGetList } from 'react-admin';
import { formatBytes } from '../format';
import type { MoveRecord } from '../moves';
import { isLive, type PlanProgress, type PlanRecord } from './types';

const DONE = [MoveState.Flipped, MoveState.Retained, MoveState.Cleaned];

/** The plan's progress from the API, or summed over its moves (first 500). */
export function usePlanProgress(plan: PlanRecord): PlanProgress | null {
  const { data } = useGetList<MoveRecord>(
    'moves',
    {
      filter: { rebalancePlanId: plan.id },
      pagination: { page: 1, perPage: 500 },
      sort: { field: 'id', order: 'ASC' },
    },
    {
      enabled: !plan.progress && plan.state !== 'draft',
      refetchInterval: isLive(plan.state) ? 2000 : false,
    },
  );
  if (plan.progress) return plan.progress;
  if (!data) return null;
  const bytesTotal = plan.dryRun?.bytesToMove ?? data.reduce((s, m) => s + m.bytesTotal, 0);
  return {
    movesTotal: plan.dryRun?.moves.length ?? data.length,
    movesDone: data.filter((m) => DONE.includes(m.state)).length,
    movesFailed: data.filter(
      (m) => TERMINAL_MOVE_STATES.includes(m.state) && m.state !== MoveState.Cleaned,
    ).length,
    movesRunning: data.filter(
      (m) => !TERMINAL_MOVE_STATES.includes(m.state) && !DONE.includes(m.state),
    ).length,
    bytesTotal,
    bytesDone: data.reduce((s, m) => s + (DONE.includes(m.state) ? m.bytesTotal : m.bytesDone), 0),
  };
}

export const PlanProgressBar = ({ plan }: { plan: PlanRecord }) => {
  const p = usePlanProgress(plan);
  if (!p) return null;
  const pct =
    p.bytesTotal > 0
      ? (p.bytesDone / p.bytesTotal) * 100
      : p.movesTotal
        ? (p.movesDone / p.movesTotal) * 100
        : 0;
  return (
    <Box data-testid="plan-progress">
      <LinearProgress
        variant="determinate"
        value={Math.min(100, pct)}
        sx={{ height: 10, borderRadius: 5 }}
      />
      <Typography variant="body2" sx={{ mt: 1 }}>
        {Math.round(pct)}% · {p.movesDone} of {p.movesTotal} moves done, {p.movesRunning} running,{' '}
        {p.movesFailed} failed · {formatBytes(p.bytesDone)} of {formatBytes(p.bytesTotal)}
      </Typography>
    </Box>
  );
};
