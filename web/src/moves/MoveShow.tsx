import {
  Alert,
  Card,
  CardContent,
  Step,
  StepLabel,
  Stepper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import {
  DateField,
  NumberField,
  ReferenceField,
  Show,
  SimpleShowLayout,
  TextField,
  TopToolbar,
  useRecordContext,
} from 'react-admin';
import { StateChip } from '../components/StateChip';
import { formatBytes, formatCount } from '../format';
import { MoveActionButtons } from './MoveButtons';
import { MoveBackends, MoveMailbox } from './MoveList';
import { MoveProgressBar } from './MoveProgress';
import { isFailed, MOVE_STEPS, type MoveRecord } from './types';

const Phases = () => {
  const m = useRecordContext<MoveRecord>();
  if (!m) return null;
  const active = MOVE_STEPS.indexOf(m.state);
  return (
    <Card variant="outlined" sx={{ mb: 2 }}>
      <CardContent>
        <Stepper activeStep={active === -1 ? 0 : active} alternativeLabel>
          {MOVE_STEPS.map((s) => (
            <Step key={s} completed={active > MOVE_STEPS.indexOf(s)}>
              <StepLabel error={isFailed(m.state) && s === MOVE_STEPS[Math.max(0, active)]}>
                {s}
              </StepLabel>
            </Step>
          ))}
        </Stepper>
        <MoveProgressBar move={m} width="100%" />
        {m.error && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {m.error}
          </Alert>
        )}
        {m.cancelRequested && !isFailed(m.state) && (
          <Alert severity="info" sx={{ mt: 2 }}>
            Cancel requested; the move is rolling back.
          </Alert>
        )}
      </CardContent>
    </Card>
  );
};

/** Per folder: messages and bytes copied (the checkpoints a resumed move starts from). */
const Folders = () => {
  const m = useRecordContext<MoveRecord>();
  if (!m?.folders?.length) return null;
  return (
    <Card variant="outlined" sx={{ mb: 2 }}>
      <CardContent>
        <Typography variant="subtitle1">Folders</Typography>
        <Table size="small" aria-label="folders">
          <TableHead>
            <TableRow>
              <TableCell>Folder</TableCell>
              <TableCell align="right">Messages</TableCell>
              <TableCell align="right">Bytes</TableCell>
              <TableCell>Done</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {m.folders.map((f) => (
              <TableRow key={f.name}>
                <TableCell sx={{ fontFamily: 'monospace' }}>{f.name}</TableCell>
                <TableCell align="right">
                  {formatCount(f.messagesDone)} / {formatCount(f.messagesTotal)}
                </TableCell>
                <TableCell align="right">
                  {formatBytes(f.bytesDone)} / {formatBytes(f.bytesTotal)}
                </TableCell>
                <TableCell>{f.done ? 'yes' : ''}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
};

const Verification = () => {
  const m = useRecordContext<MoveRecord>();
  if (!m?.verification) return null;
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="subtitle1">Verification</Typography>
        <pre style={{ fontSize: 12, overflow: 'auto', maxHeight: 320 }}>
          {JSON.stringify(m.verification, null, 2)}
        </pre>
      </CardContent>
    </Card>
  );
};

export const MoveShow = () => (
  <Show
    queryOptions={{ refetchInterval: 2000 }}
    actions={
      <TopToolbar>
        <MoveActionButtons />
      </TopToolbar>
    }
  >
    <SimpleShowLayout>
      <Phases />
      <MoveMailbox label="Mailbox" />
      <StateChip source="state" label="Phase" />
      <MoveBackends label="Backends" />
      <TextField source="engine" />
      <NumberField source="attempts" />
      <ReferenceField source="rebalancePlanId" reference="plans" label="Plan" emptyText="—">
        <TextField source="id" />
      </ReferenceField>
      <DateField source="startedAt" showTime emptyText="—" />
      <DateField source="frozenAt" showTime emptyText="—" />
      <DateField source="flippedAt" showTime emptyText="—" />
      <DateField source="finishedAt" showTime emptyText="—" />
      <DateField source="retainUntil" label="Source kept until" showTime emptyText="—" />
      <Folders />
      <Verification />
    </SimpleShowLayout>
  </Show>
);
