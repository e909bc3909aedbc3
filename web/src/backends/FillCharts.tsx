import { Box, Card, CardContent, Grid, Typography } from '@mui/material';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { Empty } from '../components/States';
import { formatBytes, formatCount, GIB } from '../format';
import type { BackendRecord } from './types';

/** Used bytes against capacity, and mailboxes, per backend. */
export const FillCharts = ({ backends }: { backends: BackendRecord[] }) => {
  if (backends.length === 0) return <Empty>No backends yet.</Empty>;
  const data = backends.map((b) => ({
    name: b.name,
    used: b.usedBytes / GIB,
    free: Math.max(0, b.capacityBytes - b.usedBytes) / GIB,
    mailboxes: b.mailboxCount,
    room: Math.max(0, b.capacityMailboxes - b.mailboxCount),
  }));
  const height = 220;
  return (
    <Grid container spacing={2} sx={{ mb: 2 }} data-testid="backend-fill-charts">
      <Grid size={{ xs: 12, md: 6 }}>
        <Card variant="outlined">
          <CardContent>
            <Typography variant="subtitle1">Used vs capacity (GiB)</Typography>
            <Box sx={{ height }}>
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={data} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="name" />
                  <YAxis />
                  <Tooltip formatter={(v) => formatBytes(Number(v) * GIB)} />
                  <Legend />
                  <Bar
                    dataKey="used"
                    name="used"
                    stackId="c"
                    fill="#1976d2"
                    isAnimationActive={false}
                  />
                  <Bar
                    dataKey="free"
                    name="free"
                    stackId="c"
                    fill="#c8e6c9"
                    isAnimationActive={false}
                  />
                </BarChart>
              </ResponsiveContainer>
            </Box>
          </CardContent>
        </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 6 }}>
        <Card variant="outlined">
          <CardContent>
            <Typography variant="subtitle1">Mailboxes per backend</Typography>
            <Box sx={{ height }}>
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={data} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="name" />
                  <YAxis />
                  <Tooltip formatter={(v) => formatCount(Number(v))} />
                  <Legend />
                  <Bar dataKey="mailboxes" stackId="m" fill="#7b1fa2" isAnimationActive={false} />
                  <Bar
                    dataKey="room"
                    name="room left"
                    stackId="m"
                    fill="#e1bee7"
                    isAnimationActive={false}
                  />
                </BarChart>
              </ResponsiveContainer>
            </Box>
          </CardContent>
        </Card>
      </Grid>
    </Grid>
  );
};
