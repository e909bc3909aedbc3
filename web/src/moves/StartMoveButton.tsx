import MoveUpIcon from '@mui/icons-material/MoveUp';
import {
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  TextField,
} from '@mui/material';
import { MoveEngine } from '@roost/core';
import { useState } from 'react';
import { Button, useDataProvider, useGetList, useNotify, useRedirect } from 'react-admin';
import { fieldErrorsOf, messageOf } from '../api';
import type { BackendRecord } from '../backends';
import type { RoostDataProvider } from '../dataProvider';
import { formatBytes } from '../format';

/** Ops: move one mailbox to another backend, then watch the move. */
export const StartMoveButton = ({
  mailboxId,
  backendId,
  disabled,
}: {
  mailboxId: number;
  backendId: number;
  disabled?: boolean;
}) => {
  const dp = useDataProvider<RoostDataProvider>();
  const notify = useNotify();
  const redirect = useRedirect();
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState<number | ''>('');
  const [engine, setEngine] = useState<MoveEngine>(MoveEngine.Imap);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const { data: backends, isPending } = useGetList<BackendRecord>(
    'backends',
    { pagination: { page: 1, perPage: 200 }, sort: { field: 'name', order: 'ASC' } },
    { enabled: open },
  );
  const choices = (backends ?? []).filter((b) => b.id !== backendId);

  const start = async () => {
    setBusy(true);
    setErrors({});
    try {
      const move = await dp.startMove({ mailboxId, targetBackendId: target, engine });
      notify('Move started', { type: 'info' });
      redirect('show', 'moves', move.id);
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      notify(messageOf(err), { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button
        label="Move to another backend"
        onClick={() => setOpen(true)}
        disabled={disabled}
        startIcon={<MoveUpIcon />}
      />
      <Dialog open={open} onClose={() => setOpen(false)} maxWidth="xs" fullWidth>
        <DialogTitle>Move this mailbox</DialogTitle>
        <DialogContent>
          <DialogContentText sx={{ mb: 2 }}>
            Mail is copied while the user keeps working, then the user is frozen for a moment, the
            last changes are copied and verified, and the routing flips to the target.
          </DialogContentText>
          <FormControl fullWidth margin="dense" error={!!errors.targetBackendId}>
            <InputLabel id="move-target">Target backend</InputLabel>
            <Select
              labelId="move-target"
              label="Target backend"
              value={target}
              onChange={(e) => setTarget(e.target.value as number)}
              disabled={isPending}
            >
              {choices.map((b) => (
                <MenuItem key={b.id} value={b.id} disabled={b.state !== 'active'}>
                  {b.name} ({b.state}, {formatBytes(b.usedBytes)} of {formatBytes(b.capacityBytes)})
                </MenuItem>
              ))}
            </Select>
            {errors.targetBackendId && (
              <span style={{ color: '#d32f2f', fontSize: 12 }}>{errors.targetBackendId}</span>
            )}
          </FormControl>
          <TextField
            select
            fullWidth
            margin="dense"
            label="Engine"
            value={engine}
            onChange={(e) => setEngine(e.target.value as MoveEngine)}
            error={!!errors.engine}
            helperText={
              errors.engine ?? 'imap copies as the owner; xfer (Cyrus to Cyrus) keeps UIDs'
            }
          >
            {Object.values(MoveEngine).map((e) => (
              <MenuItem key={e} value={e}>
                {e}
              </MenuItem>
            ))}
          </TextField>
          {errors.mailboxId && (
            <DialogContentText color="error">{errors.mailboxId}</DialogContentText>
          )}
        </DialogContent>
        <DialogActions>
          <Button label="Cancel" onClick={() => setOpen(false)} />
          <Button
            label="Start move"
            variant="contained"
            disabled={busy || target === ''}
            onClick={() => void start()}
          />
        </DialogActions>
      </Dialog>
    </>
  );
};
