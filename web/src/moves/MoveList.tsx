import {
  Datagrid,
  DateField,
  FunctionField,
  List,
  NumberInput,
  ReferenceField,
  SelectInput,
  TextField,
} from 'react-admin';
import { StateChip } from '../components/StateChip';
import { Empty } from '../components/States';
import { MoveActionButtons } from './MoveButtons';
import { MoveProgressField } from './MoveProgress';
import { MOVE_STATE_CHOICES, type MoveRecord } from './types';

const filters = [
  <SelectInput key="state" source="state" choices={MOVE_STATE_CHOICES} alwaysOn />,
  <NumberInput key="mailboxId" source="mailboxId" />,
  <NumberInput key="rebalancePlanId" source="rebalancePlanId" label="Plan" />,
];

export const MoveMailbox = (_: { label?: string }) => (
  <FunctionField<MoveRecord>
    render={(m) =>
      m.address ?? (
        <ReferenceField source="mailboxId" reference="mailboxes" link="show">
          <TextField source="address" />
        </ReferenceField>
      )
    }
  />
);

export const MoveList = () => (
  <List
    filters={filters}
    sort={{ field: 'id', order: 'DESC' }}
    exporter={false}
    // live progress: the workers update the row at least every 2 s
    queryOptions={{ refetchInterval: 2000 }}
    empty={<Empty>No moves yet. Start one from a user page or a rebalance plan.</Empty>}
  >
    <Datagrid rowClick="show" bulkActionButtons={false}>
      <TextField source="id" />
      <MoveMailbox label="Mailbox" />
      <ReferenceField source="sourceBackendId" reference="backends" label="From" sortable={false}>
        <TextField source="name" />
      </ReferenceField>
      <ReferenceField source="targetBackendId" reference="backends" label="To" sortable={false}>
        <TextField source="name" />
      </ReferenceField>
      <StateChip source="state" label="Phase" />
      <MoveProgressField label="Progress" />
      <DateField source="createdAt" showTime sortable={false} />
      <MoveActionButtons label="Actions" />
    </Datagrid>
  </List>
);
