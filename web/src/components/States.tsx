import { Alert, Box, CircularProgress, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { messageOf } from '../api';

export const Loading = ({ what }: { what?: string }) => (
  <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, p: 2 }} role="status">
    <CircularProgress size={20} />
    <Typography color="text.secondary">Loading{what ? ` ${what}` : ''}…</Typography>
  </Box>
);

export const ErrorState = ({ error, action }: { error: unknown; action?: ReactNode }) => (
  <Alert severity="error" action={action} sx={{ m: 1 }}>
    {messageOf(error)}
  </Alert>
);

export const Empty = ({ children }: { children: ReactNode }) => (
  <Box sx={{ p: 3, textAlign: 'center' }}>
    <Typography color="text.secondary">{children}</Typography>
  </Box>
);
