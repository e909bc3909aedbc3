import {
  AutocompleteInput,
  BooleanField,
  BulkDeleteButton,
  CreateButton,
  Datagrid,
  FilterButton,
  FunctionField,
  List,
  NullableBooleanInput,
  ReferenceField,
  ReferenceInput,
  SearchInput,
  TextField,
  TextInput,
  TopToolbar,
  usePermissions,
} from 'react-admin';
import { Empty } from '../components/States';
import { ExportCsvButton } from '../mailboxes/MailboxList';
import { canEditMail, type Permissions } from '../roles';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Address starts with" />,
  <ReferenceInput key="domainId" source="domainId" reference="domains" alwaysOn>
    <AutocompleteInput optionText="name" label="Domain" sx={{ minWidth: 220 }} />
  </ReferenceInput>,
  <TextInput key="target" source="target" label="Delivers to (exact address)" />,
  <NullableBooleanInput key="active" source="active" />,
];

const Actions = () => {
  const { permissions } = usePermissions<Permissions>();
  return (
    <TopToolbar>
      <FilterButton />
      {canEditMail(permissions) && <CreateButton />}
      <ExportCsvButton kind="aliases" />
    </TopToolbar>
  );
};

export const AliasList = () => {
  const { permissions } = usePermissions<Permissions>();
  const editor = canEditMail(permissions);
  return (
    <List
      filters={filters}
      actions={<Actions />}
      sort={{ field: 'address', order: 'ASC' }}
      exporter={false}
      empty={<Empty>No aliases match.</Empty>}
    >
      <Datagrid
        rowClick={editor ? 'edit' : false}
        bulkActionButtons={
          editor ? (
            <BulkDeleteButton
              mutationMode="pessimistic"
              confirmTitle="Delete %{smart_count} aliases?"
            />
          ) : (
            false
          )
        }
      >
        <FunctionField<{ address: string }>
          source="address"
          render={(a) => (a.address.startsWith('@') ? `${a.address} (catch-all)` : a.address)}
        />
        <FunctionField<{ targets: string[] }>
          label="Targets"
          render={(a) => a.targets.join(', ')}
        />
        <ReferenceField source="domainId" reference="domains" link="show" sortable={false}>
          <TextField source="name" />
        </ReferenceField>
        <BooleanField source="active" sortable={false} />
      </Datagrid>
    </List>
  );
};
