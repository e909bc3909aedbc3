import CheckIcon from '@mui/icons-material/Check';
import PauseIcon from '@mui/icons-material/Pause';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import StopIcon from '@mui/icons-material/Stop';
import {
  Alert,
  Box,
  Card,
  CardContent,
  Chip,
  Grid,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useMemo, useState } from 'react';
import {
  Button,
  Confirm,
  Datagrid,
  Pagination,
  ReferenceManyField,
  Show,
  TopToolbar,
  useDataProvider,
  useGetList,
  useGetMany,
  useNotify,
  useRecordContext,
  useRefresh,
  type Identifier,
} from 'react-admin';
import { messageOf } from '../api';
import type { BackendRecord } from '../backends';
import { StateChip } from '../components/StateChip';
import { Empty, Loading } from '../components/States';
import type { PlanAction, RoostDataProvider } from '../dataProvider';
import { formatBytes, formatCount } from '../format';
import { MoveBackends, MoveMailbox, MoveProgressBar } from '../moves';
import type { MoveRecord } from '../moves';
import { DryRunChart } from './LazyDryRunChart';
import { PlanProgressBar } from './PlanProgress';
import { canApprove, canCancelPlan, canPause, canResume, isLive, type PlanRecord } from './types';

const PlanActions = () => {
  const plan = useRecordContext<PlanRecord>();
  const dp = useDataProvider<RoostDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [confirm, setConfirm] = useState<PlanAction | null>(null);
  const [busy, setBusy] = useState(false);
  if (!plan) return null;
  const act = async (action: PlanAction) => {
    setBusy(true);
    try {
      await dp.planAction(plan.id, action);
      notify(
        `Plan ${action === 'approve' ? 'approved' : action === 'cancel' ? 'cancelled' : `${action}d`}`,
        {
          type: 'info',
        },
      );
    } catch (err) {
      notify(messageOf(err), { type: 'error' });
    } finally {
      setBusy(false);
      setConfirm(null);
      refresh();
    }
  };
  const moves = plan.dryRun?.moves.length ?? 0;
  return (
    <TopToolbar>
      {canApprove(plan) && (
        <Button
          label="Approve"
          variant="contained"
          disabled={busy}
          onClick={() => setConfirm('approve')}
          startIcon={<CheckIcon />}
        />
      )}
      {canPause(plan.state) && (
        <Button
          label="Pause"
          disabled={busy}
          onClick={() => void act('pause')}
          startIcon={<PauseIcon />}
        />
      )}
      {canResume(plan.state) && (
        <Button
          label="Resume"
          disabled={busy}
          onClick={() => void act('resume')}
          startIcon={<PlayArrowIcon />}
        />
      )}
      {canCancelPlan(plan.state) && (
        <Button
          label="Cancel plan"
          color="error"
          disabled={busy}
          onClick={() => setConfirm('cancel')}
          startIcon={<StopIcon />}
        />
      )}
      <Confirm
        isOpen={confirm !== null}
        title={confirm === 'approve' ? `Approve ${moves} moves?` : 'Cancel this plan?'}
        content={
          confirm === 'approve'
            ? `${formatBytes(plan.dryRun?.bytesToMove ?? 0)} will be moved, at most ${plan.maxMovesPerBackend} moves per backend at a time.`
            : 'Moves not started yet are dropped; running moves roll back unless already flipped.'
        }
        onConfirm={() => confirm && void act(confirm)}
        onClose={() => setConfirm(null)}
      />
    </TopToolbar>
  );
};

const Figure = ({ label, value }: { label: string; value: string }) => (
  <Box>
    <Typography variant="caption" color="text.secondary">
      {label}
    </Typography>
    <Typography variant="h6">{value}</Typography>
  </Box>
);

const PlannedMoves = ({ plan }: { plan: PlanRecord }) => {
  const moves = plan.dryRun?.moves ?? [];
  const shown = moves.slice(0, 100);
  const { data: mailboxes } = useGetMany('mailboxes', { ids: shown.map((m) => m.mailboxId) });
  const address = new Map((mailboxes ?? []).map((m) => [m.id as Identifier, m.address as string]));
  const { data: backends } = useGetList<BackendRecord>('backends', {
    pagination: { page: 1, perPage: 500 },
    sort: { field: 'name', order: 'ASC' },
  });
  const name = new Map((backends ?? []).map((b) => [b.id, b.name]));
  if (moves.length === 0)
    return <Empty>The plan needs no moves: the fleet is within tolerance.</Empty>;
  return (
    <Box sx={{ maxHeight: 420, overflow: 'auto' }}>
      <Table size="small" stickyHeader aria-label="planned moves">
        <TableHead>
          <TableRow>
            <TableCell>#</TableCell>
            <TableCell>Mailbox</TableCell>
            <TableCell>From</TableCell>
            <TableCell>To</TableCell>
            <TableCell align="right">Bytes</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {shown.map((m, i) => (
            <TableRow key={m.mailboxId}>
              <TableCell>{i + 1}</TableCell>
              <TableCell>{address.get(m.mailboxId) ?? `#${m.mailboxId}`}</TableCell>
              <TableCell>{name.get(m.fromBackendId) ?? `#${m.fromBackendId}`}</TableCell>
              <TableCell>{name.get(m.toBackendId) ?? `#${m.toBackendId}`}</TableCell>
              <TableCell align="right">{formatBytes(m.bytes)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {moves.length > shown.length && (
        <Typography variant="caption" sx={{ p: 1, display: 'block' }}>
          and {formatCount(moves.length - shown.length)} more moves
        </Typography>
      )}
    </Box>
  );
};

const DryRun = () => {
  const plan = useRecordContext<PlanRecord>();
  const { data: backends, isPending } = useGetList<BackendRecord>('backends', {
    pagination: { page: 1, perPage: 500 },
    sort: { field: 'name', order: 'ASC' },
  });
  const byId = useMemo(
    () =>
      new Map(
        (backends ?? []).map((b) => [b.id, { name: b.name, capacityBytes: b.capacityBytes }]),
      ),
    [backends],
  );
  if (!plan) return null;
  const d = plan.dryRun;
  if (!d) return <Alert severity="info">The dry run is being computed…</Alert>;
  return (
    <Grid container spacing={2}>
      <Grid size={12}>
        <Card variant="outlined">
          <CardContent>
            <Box sx={{ display: 'flex', gap: 4, flexWrap: 'wrap', mb: 2 }}>
              <Figure label="State" value={plan.state} />
              <Figure label="Moves" value={formatCount(d.moves.length)} />
              <Figure label="Bytes to move" value={formatBytes(d.bytesToMove)} />
              <Figure label="Lower bound" value={formatBytes(d.lowerBoundBytes)} />
              <Figure
                label="Tolerance"
                value={
                  plan.policy.tolerance !== undefined
                    ? `± ${(plan.policy.tolerance * 100).toFixed(1)} %`
                    : '—'
                }
              />
              <Box>
                <Typography variant="caption" color="text.secondary">
                  Result
                </Typography>
                <Box>
                  {d.withinTolerance ? (
                    <Chip color="success" label="within tolerance" />
                  ) : (
                    <Chip color="warning" label="not fully balanced" />
                  )}
                  {d.limitReached && <Chip sx={{ ml: 1 }} color="warning" label="limit reached" />}
                </Box>
              </Box>
            </Box>
            {d.stuck.length > 0 && (
              <Alert severity="warning" sx={{ mb: 2 }}>
                {d.stuck.length} mailboxes stay on draining backends (
                {d.stuck.filter((s) => s.reason === 'pinned').length} pinned,{' '}
                {d.stuck.filter((s) => s.reason === 'no-room').length} without room elsewhere).
              </Alert>
            )}
            <Typography variant="subtitle1">Fill before and after</Typography>
            {isPending ? (
              <Loading what="backends" />
            ) : (
              <DryRunChart before={d.before} after={d.after} backends={byId} />
            )}
          </CardContent>
        </Card>
      </Grid>
      {plan.state !== 'draft' && (
        <Grid size={12}>
          <Card variant="outlined">
            <CardContent>
              <Typography variant="subtitle1" gutterBottom>
                Progress
              </Typography>
              <PlanProgressBar plan={plan} />
              {plan.error && (
                <Alert severity="error" sx={{ mt: 2 }}>
                  {plan.error}
                </Alert>
              )}
            </CardContent>
          </Card>
        </Grid>
      )}
      <Grid size={12}>
        <Card variant="outlined">
          <CardContent>
            <Typography variant="subtitle1" gutterBottom>
              {plan.state === 'draft' ? 'Planned moves' : 'Moves'}
            </Typography>
            {plan.state === 'draft' ? (
              <PlannedMoves plan={plan} />
            ) : (
              <ReferenceManyField
                reference="moves"
                target="rebalancePlanId"
                sort={{ field: 'id', order: 'ASC' }}
                perPage={25}
                pagination={<Pagination />}
                queryOptions={{ refetchInterval: isLive(plan.state) ? 2000 : false }}
                empty={<Empty>No moves started yet.</Empty>}
              >
                <Datagrid rowClick="show" bulkActionButtons={false}>
                  <MoveMailbox label="Mailbox" />
                  <MoveBackends label="Backends" />
                  <StateChip source="state" label="Phase" />
                  <MoveRow label="Progress" />
                </Datagrid>
              </ReferenceManyField>
            )}
          </CardContent>
        </Card>
      </Grid>
    </Grid>
  );
};

const MoveRow = (_: { label?: string }) => {
  const m = useRecordContext<MoveRecord>();
  return m ? <MoveProgressBar move={m} /> : null;
};

export const PlanShow = () => (
  <Show
    actions={<PlanActions />}
    title="Rebalance plan"
    queryOptions={{
      refetchInterval: (q) =>
        q.state.data && isLive((q.state.data as PlanRecord).state) ? 2000 : false,
    }}
  >
    <DryRun />
  </Show>
);
