import { Box, Typography } from '@mui/material';
import type { ReactNode } from 'react';

/** A caption over a value, for detail cards (react-admin's Labeled only labels fields). */
export const Item = ({ label, children }: { label: string; children: ReactNode }) => (
  <Box>
    <Typography variant="caption" color="text.secondary" component="div">
      {label}
    </Typography>
    <Box sx={{ typography: 'body2' }}>{children}</Box>
  </Box>
);
