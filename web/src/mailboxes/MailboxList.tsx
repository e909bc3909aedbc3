import DownloadIcon from '@mui/icons-material/Download';
import UploadIcon from '@mui/icons-material/Upload';
import {
  AutocompleteInput,
  Button,
  CreateButton,
  Datagrid,
  DateField,
  FilterButton,
  Link,
  List,
  NullableBooleanInput,
  ReferenceField,
  ReferenceInput,
  SearchInput,
  SelectInput,
  TextField,
  TopToolbar,
  useListContext,
  usePermissions,
} from 'react-admin';
import { StateChip } from '../components/StateChip';
import { Empty } from '../components/States';
import { exportUrl } from '../dataProvider';
import { canEditMail, isOps, type Permissions } from '../roles';
import { MailboxBulkActions } from './BulkActions';
import { QuotaField } from './QuotaField';
import { MAILBOX_STATE_CHOICES } from './types';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Address starts with" />,
  <ReferenceInput key="domainId" source="domainId" reference="domains" alwaysOn>
    <AutocompleteInput optionText="name" label="Domain" sx={{ minWidth: 220 }} />
  </ReferenceInput>,
  <SelectInput key="state" source="state" choices={MAILBOX_STATE_CHOICES} />,
  <NullableBooleanInput key="active" source="active" />,
  <SelectInput
    key="overQuotaPercent"
    source="overQuotaPercent"
    label="Quota use"
    choices={[
      { id: 90, name: 'over 90 %' },
      { id: 100, name: 'full' },
    ]}
  />,
];

/** CSV of the mailboxes in scope (the current domain filter), streamed by the API. */
export const ExportCsvButton = ({ kind }: { kind: 'mailboxes' | 'aliases' }) => {
  const { filterValues } = useListContext();
  const domainId = filterValues.domainId as number | undefined;
  return (
    <Button
      label="Export CSV"
      startIcon={<DownloadIcon />}
      // a plain navigation: the browser downloads with the session cookie
      href={exportUrl(kind, domainId)}
      {...{ component: 'a', download: `${kind}.csv` }}
    />
  );
};

const Actions = () => {
  const { permissions } = usePermissions<Permissions>();
  const editor = canEditMail(permissions);
  return (
    <TopToolbar>
      <FilterButton />
      {editor && <CreateButton />}
      {editor && (
        <Button
          label="Import CSV"
          startIcon={<UploadIcon />}
          {...{ component: Link, to: '/import' }}
        />
      )}
      <ExportCsvButton kind="mailboxes" />
    </TopToolbar>
  );
};

export const MailboxList = () => {
  const { permissions } = usePermissions<Permissions>();
  const editor = canEditMail(permissions);
  return (
    <List
      filters={filters}
      actions={<Actions />}
      sort={{ field: 'address', order: 'ASC' }}
      perPage={25}
      exporter={false}
      empty={<Empty>No mailboxes match.</Empty>}
    >
      <Datagrid rowClick="show" bulkActionButtons={editor ? <MailboxBulkActions /> : false}>
        <TextField source="address" />
        <TextField source="displayName" sortable={false} />
        <StateChip source="state" label="State" sortable={false} />
        <QuotaField label="Quota" />
        {isOps(permissions) ? (
          <ReferenceField source="backendId" reference="backends" link="show" sortable={false}>
            <TextField source="name" />
          </ReferenceField>
        ) : null}
        <DateField source="lastLoginAt" showTime sortable={false} emptyText="never" />
      </Datagrid>
    </List>
  );
};
