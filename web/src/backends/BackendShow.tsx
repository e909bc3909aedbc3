import {
  DateField,
  EditButton,
  FunctionField,
  NumberField,
  Show,
  SimpleShowLayout,
  TextField,
  TopToolbar,
} from 'react-admin';
import { StateChip } from '../components/StateChip';
import { UsageBar } from '../components/UsageBar';
import { formatBytes, formatCount } from '../format';
import type { BackendRecord } from './types';

export const BackendShow = () => (
  <Show
    actions={
      <TopToolbar>
        <EditButton />
      </TopToolbar>
    }
    queryOptions={{ refetchInterval: 10_000 }}
  >
    <SimpleShowLayout>
      <TextField source="name" />
      <StateChip source="state" label="State" />
      <StateChip source="health" label="Health" />
      <TextField source="healthError" emptyText="—" />
      <NumberField source="healthLatencyMs" label="Latency (ms)" emptyText="—" />
      <DateField source="healthCheckedAt" showTime emptyText="never" />
      <FunctionField<BackendRecord>
        label="Used / capacity"
        render={(b) => (
          <UsageBar used={b.usedBytes} total={b.capacityBytes} format={formatBytes} width={360} />
        )}
      />
      <FunctionField<BackendRecord>
        label="Quota allocated / capacity"
        render={(b) => (
          <UsageBar
            used={b.quotaAllocatedBytes}
            total={b.capacityBytes}
            format={formatBytes}
            width={360}
          />
        )}
      />
      <FunctionField<BackendRecord>
        label="Mailboxes"
        render={(b) => (
          <UsageBar
            used={b.mailboxCount}
            total={b.capacityMailboxes}
            format={formatCount}
            width={360}
          />
        )}
      />
      <NumberField source="weight" />
      <FunctionField<BackendRecord> label="IMAP" render={(b) => `${b.imapHost}:${b.imapPort}`} />
      <FunctionField<BackendRecord> label="LMTP" render={(b) => `${b.lmtpHost}:${b.lmtpPort}`} />
      <TextField source="tlsMode" />
    </SimpleShowLayout>
  </Show>
);
