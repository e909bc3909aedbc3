import type { MouseEvent } from 'react';
import {
  AutocompleteInput,
  Datagrid,
  Link,
  NullableBooleanInput,
  ReferenceInput,
  SearchInput,
  DateField,
  FunctionField,
  List,
  NumberInput,
  SelectInput,
  TextField,
} from 'react-admin';
import { StateChip } from '../components/StateChip';
import { Empty } from '../components/States';
import { MoveActionButtons } from './MoveButtons';
import { MoveProgressField } from './MoveProgress';
import { MOVE_STATE_CHOICES, type MoveRecord } from './types';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Address starts with" />,
  <SelectInput key="state" source="state" choices={MOVE_STATE_CHOICES} alwaysOn />,
  <NullableBooleanInput key="open" source="open" label="Under way" />,
  <ReferenceInput key="backendId" source="backendId" reference="backends">
    <AutocompleteInput optionText="name" label="Backend (from or to)" />
  </ReferenceInput>,
  <NumberInput key="rebalancePlanId" source="rebalancePlanId" label="Plan" />,
];

// a link inside a clickable row opens the link, not the row
const stop = (e: MouseEvent) => e.stopPropagation();

/** The mailbox's address, linking to its user page. */
export const MoveMailbox = (_: { label?: string }) => (
  <FunctionField<MoveRecord>
    render={(m) => (
      <Link to={`/mailboxes/${m.mailboxId}/show`} onClick={stop}>
        {m.address}
      </Link>
    )}
  />
);

/** `from -> to` by name, linking to the backends. */
export const MoveBackends = (_: { label?: string }) => (
  <FunctionField<MoveRecord>
    render={(m) => (
      <span>
        <Link to={`/backends/${m.sourceBackendId}/show`} onClick={stop}>
          {m.sourceBackend}
        </Link>
        {' → '}
        <Link to={`/backends/${m.targetBackendId}/show`} onClick={stop}>
          {m.targetBackend}
        </Link>
      </span>
    )}
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
      <MoveBackends label="Backends" />
      <StateChip source="state" label="Phase" />
      <MoveProgressField label="Progress" />
      <DateField source="createdAt" showTime />
      <MoveActionButtons label="Actions" />
    </Datagrid>
  </List>
);
