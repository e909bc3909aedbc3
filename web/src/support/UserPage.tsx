import {
  Alert,
  Box,
  Card,
  CardContent,
  Grid,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { MailboxState } from '@roost/core';
import {
  Button,
  EditButton,
  Link,
  ReferenceField,
  Show,
  TextField,
  TopToolbar,
  useDataProvider,
  useGetList,
  useNotify,
  usePermissions,
  useRecordContext,
  useRefresh,
} from 'react-admin';
import { messageOf } from '../api';
import { Item } from '../components/Item';
import { StateChip } from '../components/StateChip';
import { Empty, ErrorState, Loading } from '../components/States';
import { UsageBar } from '../components/UsageBar';
import type { RoostDataProvider } from '../dataProvider';
import { formatBytes } from '../format';
import type { MailboxRecord } from '../mailboxes/types';
import { MoveProgressBar } from '../moves/MoveProgress';
import { StartMoveButton } from '../moves/StartMoveButton';
import { isTerminal, type MoveRecord } from '../moves/types';
import { canEditMail, canResetPasswords, isOps, type Permissions } from '../roles';
import { ResetPasswordButton } from './ResetPasswordButton';

const when = (d: string | null) => (d ? new Date(d).toLocaleString() : 'never');

const StateButtons = () => {
  const m = useRecordContext<MailboxRecord>();
  const dp = useDataProvider<RoostDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  if (!m) return null;
  const act = async (action: 'suspend' | 'activate' | 'restore') => {
    try {
      await dp.mailboxAction(m.id, action);
      notify(
        `Mailbox ${action === 'suspend' ? 'suspended' : action === 'activate' ? 'activated' : 'restored'}`,
        {
          type: 'success',
        },
      );
    } catch (err) {
      notify(messageOf(err), { type: 'error' });
    }
    refresh();
  };
  return (
    <>
      {m.state === MailboxState.Active && (
        <Button label="Suspend" onClick={() => void act('suspend')} />
      )}
      {m.state === MailboxState.Suspended && (
        <Button label="Activate" onClick={() => void act('activate')} />
      )}
      {m.state === MailboxState.Deleting && (
        <Button label="Restore" onClick={() => void act('restore')} />
      )}
    </>
  );
};

const Actions = () => {
  const m = useRecordContext<MailboxRecord>();
  const { permissions } = usePermissions<Permissions>();
  if (!m) return <TopToolbar />;
  return (
    <TopToolbar>
      {canResetPasswords(permissions) && (
        <ResetPasswordButton mailboxId={m.id} address={m.address} />
      )}
      {isOps(permissions) && (
        <StartMoveButton
          mailboxId={m.id}
          backendId={m.backendId}
          disabled={m.state !== MailboxState.Active}
        />
      )}
      {canEditMail(permissions) && <StateButtons />}
      {canEditMail(permissions) && <EditButton />}
    </TopToolbar>
  );
};

interface AuditRow {
  id: number;
  at: string;
  actorName: string;
  action: string;
  reason: string | null;
}

/** Recent audit events about this mailbox (within what the viewer may read). */
const RecentEvents = ({ id }: { id: number }) => {
  const { data, isPending, error } = useGetList<AuditRow>('audit', {
    filter: { targetType: 'mailbox', targetId: String(id) },
    sort: { field: 'id', order: 'DESC' },
    pagination: { page: 1, perPage: 10 },
  });
  if (isPending) return <Loading what="events" />;
  if (error) return <ErrorState error={error} />;
  if (!data?.length) return <Empty>No events you may see.</Empty>;
  return (
    <Table size="small" aria-label="recent events">
      <TableHead>
        <TableRow>
          <TableCell>When</TableCell>
          <TableCell>Who</TableCell>
          <TableCell>What</TableCell>
          <TableCell>Reason</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {data.map((e) => (
          <TableRow key={e.id}>
            <TableCell>{new Date(e.at).toLocaleString()}</TableCell>
            <TableCell>{e.actorName}</TableCell>
            <TableCell>{e.action}</TableCell>
            <TableCell>{e.reason ?? ''}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};

/** This mailbox's moves, newest first, live while one is under way (ops). */
const RecentMoves = ({ id }: { id: number }) => {
  const { data, isPending, error } = useGetList<MoveRecord>(
    'moves',
    {
      filter: { mailboxId: id },
      sort: { field: 'id', order: 'DESC' },
      pagination: { page: 1, perPage: 5 },
    },
    {
      refetchInterval: (q) =>
        q.state.data?.data.some((mv) => !isTerminal(mv.state)) ? 2000 : false,
    },
  );
  if (isPending) return <Loading what="moves" />;
  if (error) return <ErrorState error={error} />;
  if (!data?.length) return <Empty>Never moved.</Empty>;
  return (
    <Stack spacing={1.5}>
      {data.map((mv) => (
        <Box key={mv.id}>
          <Link to={`/moves/${mv.id}/show`}>
            #{mv.id} {mv.sourceBackend} → {mv.targetBackend}
          </Link>
          <MoveProgressBar move={mv} width="100%" />
        </Box>
      ))}
    </Stack>
  );
};

const Details = () => {
  const m = useRecordContext<MailboxRecord>();
  const { permissions } = usePermissions<Permissions>();
  if (!m) return null;
  return (
    <Grid container spacing={2} sx={{ p: 2 }}>
      <Grid size={{ xs: 12, md: 6 }}>
        <Card variant="outlined">
          <CardContent>
            <Typography variant="h5" data-testid="user-address">
              {m.address}
            </Typography>
            <Typography color="text.secondary" gutterBottom>
              {m.displayName || '—'}
            </Typography>
            <Stack spacing={1.5} sx={{ mt: 2 }}>
              <Item label="State">
                <Box>
                  <StateChip source="state" />
                  {m.stateReason && (
                    <Typography variant="caption" sx={{ ml: 1 }}>
                      {m.stateReason}
                    </Typography>
                  )}
                </Box>
              </Item>
              <Item label="Quota">
                <UsageBar
                  used={m.usedBytes}
                  total={m.quotaBytes > 0 ? m.quotaBytes : null}
                  format={formatBytes}
                  width={320}
                />
              </Item>
              <Item label="Backend">
                {isOps(permissions) ? (
                  <ReferenceField source="backendId" reference="backends" link="show">
                    <TextField source="name" />
                  </ReferenceField>
                ) : (
                  <span>#{m.backendId}</span>
                )}
              </Item>
              <Item label="Domain">
                <ReferenceField source="domainId" reference="domains" link="show">
                  <TextField source="name" />
                </ReferenceField>
              </Item>
              <Item label="Last login">
                <span>{when(m.lastLoginAt)}</span>
              </Item>
              <Item label="Usage last synced">
                <span>{when(m.usedSyncedAt)}</span>
              </Item>
              {m.passwordMustChange && (
                <Alert severity="info">The user must change the password at the next login.</Alert>
              )}
              {m.state === MailboxState.Deleting && m.deleteAfter && (
                <Alert severity="warning">Deleted; restorable until {when(m.deleteAfter)}.</Alert>
              )}
            </Stack>
          </CardContent>
        </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 6 }}>
        <Stack spacing={2}>
          <Card variant="outlined">
            <CardContent>
              <Typography variant="h6" gutterBottom>
                Recent events
              </Typography>
              <RecentEvents id={m.id} />
            </CardContent>
          </Card>
          {isOps(permissions) && (
            <Card variant="outlined">
              <CardContent>
                <Typography variant="h6" gutterBottom>
                  Moves
                </Typography>
                <RecentMoves id={m.id} />
              </CardContent>
            </Card>
          )}
        </Stack>
      </Grid>
    </Grid>
  );
};

/** The user page: the mailbox's show view for every role. */
export const UserPage = () => (
  <Show actions={<Actions />} title={<PageTitle />}>
    <Details />
  </Show>
);

const PageTitle = () => {
  const m = useRecordContext<MailboxRecord>();
  return <span>{m ? m.address : 'Mailbox'}</span>;
};
