import {
  BooleanField,
  CreateButton,
  Datagrid,
  FunctionField,
  List,
  NullableBooleanInput,
  SearchInput,
  TextField,
  TopToolbar,
  usePermissions,
} from 'react-admin';
import { Empty } from '../components/States';
import { formatBytes } from '../format';
import { isRole, Role, type Permissions } from '../roles';
import { DomainUsageField, type DomainRecord } from './DomainUsage';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Domain name starts with" />,
  <NullableBooleanInput key="active" source="active" />,
];

const Actions = () => {
  const { permissions } = usePermissions<Permissions>();
  return <TopToolbar>{isRole(permissions, Role.Superadmin) && <CreateButton />}</TopToolbar>;
};

export const DomainList = () => (
  <List
    filters={filters}
    actions={<Actions />}
    sort={{ field: 'name', order: 'ASC' }}
    exporter={false}
    empty={<Empty>No domains in your scope yet.</Empty>}
  >
    <Datagrid rowClick="show" bulkActionButtons={false}>
      <TextField source="name" />
      <BooleanField source="active" sortable={false} />
      <DomainUsageField label="Mailboxes" only="mailboxes" />
      <DomainUsageField label="Aliases" only="aliases" />
      <DomainUsageField label="Quota allocated" only="quota" />
      <FunctionField<DomainRecord>
        label="Max per mailbox"
        render={(d) => (d.maxQuotaBytes ? formatBytes(d.maxQuotaBytes) : 'no limit')}
      />
      <FunctionField<DomainRecord>
        label="Default quota"
        render={(d) => formatBytes(d.defaultQuotaBytes)}
      />
      <FunctionField<DomainRecord> label="Placement" render={(d) => d.placementPolicy?.kind} />
    </Datagrid>
  </List>
);
