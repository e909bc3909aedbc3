import BlockIcon from '@mui/icons-material/Block';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import DataUsageIcon from '@mui/icons-material/DataUsage';
import {
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
} from '@mui/material';
import { useEffect, useState } from 'react';
import {
  BulkDeleteButton,
  Button,
  useDataProvider,
  useListContext,
  useNotify,
  useRefresh,
  useUnselectAll,
} from 'react-admin';
import { messageOf } from '../api';
import type { RoostDataProvider } from '../dataProvider';
import { MIB } from '../format';

/** Runs one call per selected mailbox, then says how many worked and why the others did not. */
function useBulkRunner() {
  const { selectedIds } = useListContext();
  const notify = useNotify();
  const refresh = useRefresh();
  const unselectAll = useUnselectAll('mailboxes');
  const [busy, setBusy] = useState(false);
  const run = async (what: string, call: (id: number) => Promise<unknown>) => {
    setBusy(true);
    const failures: string[] = [];
    for (const id of selectedIds as number[]) {
      try {
        await call(id);
      } catch (err) {
        failures.push(`#${id}: ${messageOf(err)}`);
      }
    }
    setBusy(false);
    const done = selectedIds.length - failures.length;
    if (failures.length === 0) {
      notify(`${what}: ${done} mailboxes`, { type: 'success' });
      unselectAll();
    } else
      notify(
        `${what}: ${done} done, ${failures.length} refused. ${failures.slice(0, 3).join('; ')}`,
        {
          type: 'error',
          autoHideDuration: 10_000,
        },
      );
    refresh();
  };
  return { selectedIds, run, busy };
}

interface ConfirmProps {
  title: string;
  text: string;
  open: boolean;
  busy: boolean;
  onClose: () => void;
  onConfirm: (value: string) => void;
  field?: { label: string; type?: string; required?: boolean };
}

const ConfirmWithInput = ({ title, text, open, busy, onClose, onConfirm, field }: ConfirmProps) => {
  const [value, setValue] = useState('');
  // each opening starts empty (not with the reason or quota typed for the previous selection)
  useEffect(() => {
    if (open) setValue('');
  }, [open]);
  const missing = !!field?.required && value.trim() === '';
  return (
    <Dialog open={open} onClose={onClose} maxWidth="xs" fullWidth>
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        <DialogContentText>{text}</DialogContentText>
        {field && (
          <TextField
            autoFocus
            margin="dense"
            fullWidth
            label={field.label}
            type={field.type ?? 'text'}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        )}
      </DialogContent>
      <DialogActions>
        <Button label="Cancel" onClick={onClose} />
        <Button
          label="Confirm"
          variant="contained"
          disabled={busy || missing}
          onClick={() => onConfirm(value)}
        />
      </DialogActions>
    </Dialog>
  );
};

const BulkSuspend = ({ action }: { action: 'suspend' | 'activate' }) => {
  const dp = useDataProvider<RoostDataProvider>();
  const { selectedIds, run, busy } = useBulkRunner();
  const [open, setOpen] = useState(false);
  const verb = action === 'suspend' ? 'Suspend' : 'Activate';
  return (
    <>
      <Button
        label={verb}
        onClick={() => setOpen(true)}
        startIcon={action === 'suspend' ? <BlockIcon /> : <CheckCircleIcon />}
      />
      <ConfirmWithInput
        open={open}
        busy={busy}
        title={`${verb} ${selectedIds.length} mailboxes?`}
        text={
          action === 'suspend'
            ? 'Suspended mailboxes refuse logins and mail until activated again.'
            : 'The mailboxes accept logins and mail again.'
        }
        field={{ label: 'Reason or ticket (audit log)' }}
        onClose={() => setOpen(false)}
        onConfirm={(reason) => {
          setOpen(false);
          void run(verb, (id) => dp.mailboxAction(id, action, reason.trim() || undefined));
        }}
      />
    </>
  );
};

const BulkQuota = () => {
  const dp = useDataProvider<RoostDataProvider>();
  const { selectedIds, run, busy } = useBulkRunner();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button label="Change quota" onClick={() => setOpen(true)} startIcon={<DataUsageIcon />} />
      <ConfirmWithInput
        open={open}
        busy={busy}
        title={`Change the quota of ${selectedIds.length} mailboxes?`}
        text="Each change is checked against its domain's limits; the ones that break a limit are refused and listed."
        field={{ label: 'New quota (MiB)', type: 'number', required: true }}
        onClose={() => setOpen(false)}
        onConfirm={(mib) => {
          setOpen(false);
          const quotaBytes = Math.round(Number(mib) * MIB);
          void run('Quota changed', (id) =>
            dp.update('mailboxes', { id, data: { quotaBytes }, previousData: { id } }),
          );
        }}
      />
    </>
  );
};

export const MailboxBulkActions = () => {
  const refresh = useRefresh();
  return (
    <>
      <BulkSuspend action="suspend" />
      <BulkSuspend action="activate" />
      <BulkQuota />
      <BulkDeleteButton
        mutationMode="pessimistic"
        confirmTitle="Delete %{smart_count} mailboxes?"
        confirmContent="They are kept for the retention period (restorable), then deleted from Cyrus."
        // A deleted mailbox stays listed as `deleting` until its retention ends, but react-admin
        // drops the rows from its cache and, in pessimistic mode, never refetches: ask again.
        mutationOptions={{ onSettled: () => refresh() }}
      />
    </>
  );
};
