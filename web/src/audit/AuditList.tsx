import { Box, Typography } from '@mui/material';
import {
  Datagrid,
  DateField,
  DateTimeInput,
  FilterButton,
  List,
  NumberInput,
  ReferenceInput,
  AutocompleteInput,
  TextField,
  TextInput,
  TopToolbar,
  usePermissions,
  useRecordContext,
} from 'react-admin';
import { Empty } from '../components/States';
import { isRole, Role, type Permissions } from '../roles';

interface AuditRecord {
  id: number;
  before: unknown;
  after: unknown;
  reason: string | null;
}

/** before / after of the change, side by side. */
const Diff = () => {
  const r = useRecordContext<AuditRecord>();
  if (!r) return null;
  const block = (title: string, v: unknown) => (
    <Box sx={{ flex: 1, minWidth: 0 }}>
      <Typography variant="caption" color="text.secondary">
        {title}
      </Typography>
      <pre style={{ margin: 0, fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {v === null || v === undefined ? '—' : JSON.stringify(v, null, 2)}
      </pre>
    </Box>
  );
  return (
    <Box sx={{ display: 'flex', gap: 2 }}>
      {block('before', r.before)}
      {block('after', r.after)}
    </Box>
  );
};

export const AuditList = () => {
  const { permissions } = usePermissions<Permissions>();
  const superadmin = isRole(permissions, Role.Superadmin);
  const filters = [
    superadmin ? (
      <ReferenceInput key="actorId" source="actorId" reference="admins" alwaysOn>
        <AutocompleteInput optionText="username" label="Actor" />
      </ReferenceInput>
    ) : (
      <NumberInput key="actorId" source="actorId" label="Actor id" />
    ),
    <TextInput
      key="action"
      source="action"
      alwaysOn
      helperText={false}
      label="Action (e.g. mailbox.create)"
    />,
    <TextInput key="targetType" source="targetType" label="Target type" />,
    <TextInput key="targetId" source="targetId" label="Target id" />,
    <DateTimeInput key="since" source="since" alwaysOn />,
    <DateTimeInput key="until" source="until" />,
  ];
  return (
    <List
      filters={filters}
      actions={
        <TopToolbar>
          <FilterButton />
        </TopToolbar>
      }
      sort={{ field: 'id', order: 'DESC' }}
      perPage={50}
      exporter={false}
      empty={<Empty>No audit events in your scope.</Empty>}
    >
      <Datagrid expand={<Diff />} bulkActionButtons={false} rowClick="expand">
        <DateField source="at" showTime />
        <TextField source="actorName" label="Actor" sortable={false} />
        <TextField source="role" sortable={false} />
        <TextField source="action" sortable={false} />
        <TextField source="targetType" label="Target" sortable={false} />
        <TextField source="targetId" label="Id" sortable={false} />
        <TextField source="reason" sortable={false} emptyText="" />
        <TextField source="ip" label="IP" sortable={false} emptyText="" />
      </Datagrid>
    </List>
  );
};
