import { Stack } from '@mui/material';
import { useGetOne, useRecordContext } from 'react-admin';
import { UsageBar } from '../components/UsageBar';
import { formatBytes, formatCount } from '../format';

/** GET /api/domains/:id adds `usage`; the list rows do not carry it. */
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
  usage?: { mailboxes: number; aliases: number; quotaAllocatedBytes: number; usedBytes: number };
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

/** A list cell: fetches the row's usage (one small request per visible domain). */
export const DomainUsageField = ({
  only,
}: {
  only: 'mailboxes' | 'aliases' | 'quota';
  label?: string;
}) => {
  const record = useRecordContext<DomainRecord>();
  const { data, isPending, error } = useGetOne<DomainRecord>(
    'domains',
    { id: record?.id ?? 0 },
    { enabled: !!record, staleTime: 15_000 },
  );
  if (!record) return null;
  if (isPending) return <span>…</span>;
  if (error || !data) return <span title="usage could not be loaded">—</span>;
  return <DomainUsageBars domain={data} only={only} />;
};
