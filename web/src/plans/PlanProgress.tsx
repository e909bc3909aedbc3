import { Box, LinearProgress, Typography } from '@mui/material';
import { formatBytes, formatCount } from '../format';
import type { PlanRecord } from './types';

/** Aggregated progress of an approved plan, as the API sums its moves. */
export const PlanProgressBar = ({ plan }: { plan: PlanRecord }) => {
  const p = plan.progress;
  if (!p) return null;
  return (
    <Box data-testid="plan-progress">
      <LinearProgress
        variant="determinate"
        value={Math.min(100, p.percent)}
        color={p.failed > 0 ? 'warning' : 'primary'}
        sx={{ height: 10, borderRadius: 5 }}
      />
      <Typography variant="body2" sx={{ mt: 1 }}>
        {Math.round(p.percent)}% of the planned bytes on their target · {p.flipped} of{' '}
        {p.planned.moves} moves flipped, {p.running} running, {p.failed} failed ·{' '}
        {formatBytes(p.bytesDone)} of {formatBytes(p.bytesTotal)} copied by the moves started ·{' '}
        {formatCount(p.messagesDone)} of {formatCount(p.messagesTotal)} messages
      </Typography>
    </Box>
  );
};
