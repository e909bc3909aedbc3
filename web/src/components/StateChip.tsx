import { Chip } from '@mui/material';
import { useRecordContext } from 'react-admin';

type Color = 'default' | 'primary' | 'secondary' | 'error' | 'info' | 'success' | 'warning';

const COLORS: Record<string, Color> = {
  active: 'success',
  up: 'success',
  provisioning: 'info',
  moving: 'info',
  queued: 'default',
  preparing: 'info',
  copying: 'info',
  syncing: 'info',
  'final-sync': 'info',
  verifying: 'info',
  running: 'info',
  draft: 'default',
  approved: 'info',
  frozen: 'warning',
  paused: 'warning',
  suspended: 'warning',
  draining: 'warning',
  readonly: 'warning',
  deleting: 'warning',
  flipped: 'success',
  retained: 'success',
  cleaned: 'success',
  completed: 'success',
  error: 'error',
  down: 'error',
  failed: 'error',
  cancelled: 'default',
  'rolled-back': 'warning',
  unknown: 'default',
};

export const stateColor = (s: string | undefined): Color => (s && COLORS[s]) || 'default';

/** A record's state (or any text field) as a coloured chip. */
export const StateChip = ({
  source = 'state',
}: {
  source?: string;
  label?: string;
  sortable?: boolean;
}) => {
  const record = useRecordContext();
  const value = record?.[source] as string | undefined;
  if (!value) return null;
  return <Chip size="small" label={value} color={stateColor(value)} variant="outlined" />;
};
