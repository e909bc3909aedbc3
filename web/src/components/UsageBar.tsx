import { Box, LinearProgress, Tooltip, Typography } from '@mui/material';
import { percent } from '../format';

interface UsageBarProps {
  used: number;
  /** null or undefined: no limit. */
  total: number | null | undefined;
  format?: (n: number) => string;
  /** e.g. "mailboxes" */
  label?: string;
  width?: number | string;
}

/** `used of total` as a bar: amber from 90 %, red when full. Without a limit, just the figure. */
export const UsageBar = ({ used, total, format = String, label, width = 200 }: UsageBarProps) => {
  const pct = percent(used, total);
  const text =
    pct === null
      ? `${format(used)}${label ? ` ${label}` : ''} (no limit)`
      : `${format(used)} of ${format(total!)}${label ? ` ${label}` : ''} (${pct.toFixed(pct < 10 ? 1 : 0)}%)`;
  const color = pct === null ? 'inherit' : pct >= 100 ? 'error' : pct >= 90 ? 'warning' : 'primary';
  return (
    <Tooltip title={text}>
      <Box
        sx={{ width, minWidth: 120 }}
        aria-label={text}
        role="meter"
        aria-valuenow={pct ?? undefined}
      >
        {pct !== null && (
          <LinearProgress
            variant="determinate"
            value={Math.min(100, pct)}
            color={color}
            sx={{ height: 8, borderRadius: 4 }}
          />
        )}
        <Typography variant="caption" color="text.secondary" component="div">
          {text}
        </Typography>
      </Box>
    </Tooltip>
  );
};
