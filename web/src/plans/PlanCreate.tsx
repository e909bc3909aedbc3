import { Alert } from '@mui/material';
import {
  Create,
  NumberInput,
  required,
  SaveButton,
  SimpleForm,
  TextInput,
  Toolbar,
  minValue,
  maxValue,
} from 'react-admin';
import { GIB } from '../format';

const toPercent = (v: unknown) => (typeof v === 'number' ? Math.round(v * 1000) / 10 : v);
const fromPercent = (v: unknown) =>
  v === null || v === '' || v === undefined ? null : Number(v) / 100;
const toGiB = (v: unknown) => (typeof v === 'number' ? Math.round((v / GIB) * 100) / 100 : v);
const fromGiB = (v: unknown) =>
  v === null || v === '' || v === undefined ? undefined : Math.round(Number(v) * GIB);

/** Drop empty optional limits: the API reads absent as "no limit". */
const transform = (data: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(data).filter(([, v]) => v !== null && v !== undefined && v !== ''),
  );

/** Step 1 of the rebalance wizard: the policy. The API answers with the dry run (step 2). */
export const PlanCreate = () => (
  <Create transform={transform} redirect="show" title="New rebalance plan">
    <SimpleForm
      defaultValues={{ tolerance: 0.05, maxMovesPerBackend: 1 }}
      toolbar={
        <Toolbar>
          <SaveButton label="Dry run" alwaysEnable />
        </Toolbar>
      }
    >
      <Alert severity="info" sx={{ mb: 2 }}>
        The plan brings every active backend within the tolerance of its target fill (weight ×
        capacity) and empties draining backends, moving as few bytes as possible; pinned mailboxes
        stay. Nothing moves until you approve the dry run.
      </Alert>
      <NumberInput
        source="tolerance"
        label="Tolerance (% of capacity)"
        format={toPercent}
        parse={fromPercent}
        validate={[required(), minValue(0), maxValue(0.5)]}
        helperText="a backend is balanced within ± this many points of its target fill"
      />
      <NumberInput source="maxMoves" label="Max moves" min={1} helperText="empty: no limit" />
      <NumberInput
        source="maxBytes"
        label="Max data to move (GiB)"
        format={toGiB}
        parse={fromGiB}
        helperText="empty: no limit"
      />
      <NumberInput
        source="maxMovesPerBackend"
        label="Concurrent moves per backend"
        min={1}
        validate={required()}
      />
      <TextInput
        source="windowStart"
        label="Maintenance window start (HH:MM, UTC)"
        helperText="empty: any time; new moves start only inside the window"
      />
      <TextInput source="windowEnd" label="Maintenance window end (HH:MM, UTC)" />
      <TextInput source="reason" label="Reason or ticket" helperText="kept in the audit log" />
    </SimpleForm>
  </Create>
);
