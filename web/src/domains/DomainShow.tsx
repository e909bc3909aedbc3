import { Box, Card, CardContent, Grid, Typography } from '@mui/material';
import {
  BooleanField,
  Datagrid,
  DateField,
  EditButton,
  FunctionField,
  Pagination,
  ReferenceManyField,
  Show,
  TabbedShowLayout,
  TextField,
  TopToolbar,
  usePermissions,
  useRecordContext,
} from 'react-admin';
import { Item } from '../components/Item';
import { StateChip } from '../components/StateChip';
import { Empty } from '../components/States';
import { UsageBar } from '../components/UsageBar';
import { formatBytes } from '../format';
import { isRole, Role, type Permissions } from '../roles';
import { DomainUsageBars, type DomainRecord } from './DomainUsage';

const Actions = () => {
  const { permissions } = usePermissions<Permissions>();
  return <TopToolbar>{isRole(permissions, Role.Superadmin) && <EditButton />}</TopToolbar>;
};

const Limits = () => {
  const d = useRecordContext<DomainRecord>();
  if (!d) return null;
  const limit = (n: number | null, f: (n: number) => string = String) =>
    n === null ? 'no limit' : f(n);
  return (
    <Grid container spacing={2} sx={{ mb: 2 }}>
      <Grid size={{ xs: 12, md: 6 }}>
        <Card variant="outlined">
          <CardContent>
            <Typography variant="h6" gutterBottom>
              Usage
            </Typography>
            <DomainUsageBars domain={d} />
          </CardContent>
        </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 6 }}>
        <Card variant="outlined">
          <CardContent>
            <Typography variant="h6" gutterBottom>
              Limits
            </Typography>
            <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 1 }}>
              <Item label="Max mailboxes">
                <span>{limit(d.maxMailboxes)}</span>
              </Item>
              <Item label="Max aliases">
                <span>{limit(d.maxAliases)}</span>
              </Item>
              <Item label="Max quota per mailbox">
                <span>{limit(d.maxQuotaBytes, formatBytes)}</span>
              </Item>
              <Item label="Total quota">
                <span>{limit(d.totalQuotaBytes, formatBytes)}</span>
              </Item>
              <Item label="Default quota">
                <span>{formatBytes(d.defaultQuotaBytes)}</span>
              </Item>
              <Item label="Placement policy">
                <span>{JSON.stringify(d.placementPolicy)}</span>
              </Item>
            </Box>
          </CardContent>
        </Card>
      </Grid>
    </Grid>
  );
};

interface MailboxRow {
  usedBytes: number;
  quotaBytes: number;
}

export const DomainShow = () => (
  <Show actions={<Actions />}>
    <TabbedShowLayout>
      <TabbedShowLayout.Tab label="Overview">
        <TextField source="name" />
        <BooleanField source="active" />
        <Limits />
        <DateField source="createdAt" showTime />
      </TabbedShowLayout.Tab>
      <TabbedShowLayout.Tab label="Mailboxes" path="mailboxes">
        <ReferenceManyField
          reference="mailboxes"
          target="domainId"
          sort={{ field: 'address', order: 'ASC' }}
          perPage={25}
          pagination={<Pagination />}
          empty={<Empty>No mailboxes in this domain.</Empty>}
        >
          <Datagrid rowClick="show" bulkActionButtons={false}>
            <TextField source="address" />
            <TextField source="displayName" sortable={false} />
            <StateChip source="state" />
            <FunctionField<MailboxRow>
              label="Quota"
              render={(m) => (
                <UsageBar used={m.usedBytes} total={m.quotaBytes} format={formatBytes} />
              )}
            />
          </Datagrid>
        </ReferenceManyField>
      </TabbedShowLayout.Tab>
      <TabbedShowLayout.Tab label="Aliases" path="aliases">
        <ReferenceManyField
          reference="aliases"
          target="domainId"
          sort={{ field: 'address', order: 'ASC' }}
          perPage={25}
          pagination={<Pagination />}
          empty={<Empty>No aliases in this domain.</Empty>}
        >
          <Datagrid rowClick="edit" bulkActionButtons={false}>
            <TextField source="address" />
            <FunctionField<{ targets: string[] }>
              label="Targets"
              render={(a) => a.targets.join(', ')}
            />
            <BooleanField source="active" sortable={false} />
          </Datagrid>
        </ReferenceManyField>
      </TabbedShowLayout.Tab>
    </TabbedShowLayout>
  </Show>
);
