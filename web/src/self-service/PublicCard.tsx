import { Box, Card, CardContent, Typography } from '@mui/material';
import type { ReactNode } from 'react';

/** The frame of the pages a mail user sees (no admin layout, no sign-in). */
export const PublicCard = ({ title, children }: { title: string; children: ReactNode }) => (
  <Box
    sx={{
      minHeight: '100vh',
      display: 'flex',
      alignItems: 'flex-start',
      justifyContent: 'center',
      bgcolor: 'grey.100',
      pt: 10,
    }}
  >
    <Card sx={{ width: 420, maxWidth: '95vw' }}>
      <CardContent>
        <Typography variant="h5" gutterBottom>
          {title}
        </Typography>
        {children}
      </CardContent>
    </Card>
  </Box>
);
