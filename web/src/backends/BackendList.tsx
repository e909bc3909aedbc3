import {
  CreateButton,
  Datagrid,
  FilterButton,
  FunctionField,
  List,
  NumberField,
  SearchInput,
  SelectInput,
  TextField,
  TopToolbar,
  useListContext,
} from 'react-admin';
import { StateChip } from '../components/StateChip';
import { Empty } from '../components/States';
import { UsageBar } from '../components/UsageBar';
import { formatBytes, formatCount } from '../format';
import { FillCharts } from './LazyFillCharts';
import { BACKEND_STATE_CHOICES, HEALTH_CHOICES, type BackendRecord } from './types';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Name starts with" />,
  <SelectInput key="state" source="state" choices={BACKEND_STATE_CHOICES} />,
  <SelectInput key="health" source="health" choices={HEALTH_CHOICES} />,
];

const Charts = () => {
  const { data, isPending } = useListContext<BackendRecord>();
  if (isPending || !data) return null;
  return <FillCharts backends={data} />;
};

export const BackendHealthField = (_: { label?: string }) => (
  <FunctionField<BackendRecord>
    render={(b) => (
      <span title={b.healthError ?? undefined}>
        <StateChip source="health" /> {b.healthLatencyMs !== null && `${b.healthLatencyMs} ms`}
      </span>
    )}
  />
);

export const BackendList = () => (
  <List
    filters={filters}
    actions={
      <TopToolbar>
        <FilterButton />
        <CreateButton />
      </TopToolbar>
    }
    sort={{ field: 'name', order: 'ASC' }}
    perPage={50}
    exporter={false}
    empty={<Empty>No backends yet.</Empty>}
    // fill figures move while mail arrives and moves run
    queryOptions={{ refetchInterval: 15_000 }}
  >
    <Charts />
    <Datagrid rowClick="show" bulkActionButtons={false}>
      <TextField source="name" />
      <StateChip source="state" label="State" />
      <BackendHealthField label="Health" />
      <FunctionField<BackendRecord>
        label="Used / capacity"
        render={(b) => <UsageBar used={b.usedBytes} total={b.capacityBytes} format={formatBytes} />}
      />
      <FunctionField<BackendRecord>
        label="Mailboxes"
        render={(b) => (
          <UsageBar used={b.mailboxCount} total={b.capacityMailboxes} format={formatCount} />
        )}
      />
      <NumberField source="weight" sortable={false} />
      <FunctionField<BackendRecord> label="IMAP" render={(b) => `${b.imapHost}:${b.imapPort}`} />
    </Datagrid>
  </List>
);
