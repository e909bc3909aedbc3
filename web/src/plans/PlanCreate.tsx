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
const transform = (data: Record<string, unknown>) => {
  const policy = { ...(data.policy as Record<string, unknown>) };
  for (const k of Object.keys(policy))
    if (policy[k] === null || policy[k] === undefined) delete policy[k];
  const out: Record<string, unknown> = { policy };
  for (const k of ['maxMovesPerBackend', 'windowStart', 'windowEnd'])
    if (data[k] !== null && data[k] !== undefined && data[k] !== '') out[k] = data[k];
  return out;
};

/** Step 1 of the rebalance wizard: the policy. The API answers with the dry run (step 2). */
export const PlanCreate = () => (
  <Create transform={transform} redirect="show" title="New rebalance plan">
    <SimpleForm
      defaultValues={{ policy: { kind: 'balance', tolerance: 0.05 }, maxMovesPerBackend: 2 }}
      toolbar={
        <Toolbar>
          <SaveButton label="Dry run" />
        </Toolbar>
      }
    >
      <Alert severity="info" sx={{ mb: 2 }}>
        The plan brings every active backend within the tolerance of its target fill (weight ×
        capacity) and empties draining backends, moving as few bytes as possible; pinned mailboxes
        stay. Nothing moves until you approve the dry run.
      </Alert>
      <NumberInput
        source="policy.tolerance"
        label="Tolerance (% of capacity)"
        format={toPercent}
        parse={fromPercent}
        validate={[required(), minValue(0), maxValue(1)]}
        helperText="a backend is balanced within ± this many points of its target fill"
      />
      <NumberInput
        source="policy.maxMoves"
        label="Max moves"
        min={1}
        helperText="empty: no limit"
      />
      <NumberInput
        source="policy.maxBytes"
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
        label="Maintenance window start (HH:MM)"
        helperText="empty: any time"
      />
      <TextInput source="windowEnd" label="Maintenance window end (HH:MM)" />
    </SimpleForm>
  </Create>
);
