import { Stack } from '@mui/material';
import { useRecordContext } from 'react-admin';
import { UsageBar } from '../components/UsageBar';
import { formatBytes, formatCount } from '../format';

/** GET /api/domains and GET /api/domains/:id both carry `usage`. */
export interface DomainRecord {
  id: number;
  name: string;
  active: boolean;
  maxMailboxes: number | null;
  maxAliases: number | null;
  maxQuotaBytes: number | null;
  totalQuotaBytes: number | null;
  defaultQuotaBytes: number;
  placementPolicy: { kind: string };
  usage: { mailboxes: number; aliases: number; quotaAllocatedBytes: number; usedBytes: number };
}

export const DomainUsageBars = ({
  domain,
  only,
}: {
  domain: DomainRecord;
  only?: 'mailboxes' | 'aliases' | 'quota';
}) => {
  const u = domain.usage;
  if (!u) return null;
  return (
    <Stack spacing={1}>
      {(!only || only === 'mailboxes') && (
        <UsageBar
          used={u.mailboxes}
          total={domain.maxMailboxes}
          format={formatCount}
          label="mailboxes"
        />
      )}
      {(!only || only === 'aliases') && (
        <UsageBar used={u.aliases} total={domain.maxAliases} format={formatCount} label="aliases" />
      )}
      {(!only || only === 'quota') && (
        <UsageBar
          used={u.quotaAllocatedBytes}
          total={domain.totalQuotaBytes}
          format={formatBytes}
          label="quota allocated"
        />
      )}
    </Stack>
  );
};

/** A list cell: the row's usage, which comes with each row of the list. */
export const DomainUsageField = ({
  only,
}: {
  only: 'mailboxes' | 'aliases' | 'quota';
  label?: string;
}) => {
  const record = useRecordContext<DomainRecord>();
  if (!record?.usage) return null;
  return <DomainUsageBars domain={record} only={only} />;
};
