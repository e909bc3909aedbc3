import { useRecordContext } from 'react-admin';
import { UsageBar } from '../components/UsageBar';
import { formatBytes } from '../format';
import type { MailboxRecord } from './types';

/** Used bytes of the mailbox against its quota (0 means unlimited in Cyrus terms). */
export const QuotaField = (_: { label?: string; width?: number }) => {
  const m = useRecordContext<MailboxRecord>();
  if (!m) return null;
  return (
    <UsageBar
      used={m.usedBytes}
      total={m.quotaBytes > 0 ? m.quotaBytes : null}
      format={formatBytes}
      width={_.width ?? 180}
    />
  );
};
