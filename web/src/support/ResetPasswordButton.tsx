import LockResetIcon from '@mui/icons-material/LockReset';
import {
  Alert,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControlLabel,
  Radio,
  RadioGroup,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import { Button, useDataProvider, useNotify, usePermissions, useRefresh } from 'react-admin';
import { fieldErrorsOf, messageOf } from '../api';
import { CopyField } from '../components/CopyField';
import type { PasswordResetResult, RoostDataProvider } from '../dataProvider';
import { isRole, Role, type Permissions } from '../roles';

/**
 * Reset a mail user's password: a temporary password (shown once; the user must change it) or a
 * single-use reset link. Support must give a reason or ticket.
 */
export const ResetPasswordButton = ({
  mailboxId,
  address,
}: {
  mailboxId: number;
  address: string;
}) => {
  const dp = useDataProvider<RoostDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  const { permissions } = usePermissions<Permissions>();
  const reasonRequired = isRole(permissions, Role.Support);
  const [open, setOpen] = useState(false);
  const [mode, setMode] = useState<'temporary' | 'link'>('temporary');
  const [password, setPassword] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<PasswordResetResult | null>(null);

  const close = () => {
    setOpen(false);
    // the secret is gone once the dialog closes
    setResult(null);
    setPassword('');
    setReason('');
    setErrors({});
    setError(null);
  };

  const submit = async () => {
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const r = await dp.resetPassword(mailboxId, {
        mode,
        ...(mode === 'temporary' && password ? { password } : {}),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      setResult(r);
      notify('Password reset', { type: 'success' });
      refresh();
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      if (Object.keys(fields).length === 0 || fields.state) setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const missingReason = reasonRequired && reason.trim().length < 3;
  return (
    <>
      <Button label="Reset password" onClick={() => setOpen(true)} startIcon={<LockResetIcon />} />
      <Dialog open={open} onClose={close} maxWidth="sm" fullWidth>
        <DialogTitle>Reset the password of {address}</DialogTitle>
        {!result ? (
          <DialogContent>
            <RadioGroup
              value={mode}
              onChange={(e) => setMode(e.target.value as 'temporary' | 'link')}
            >
              <FormControlLabel
                value="temporary"
                control={<Radio />}
                label="Temporary password (the user must change it at the next login)"
              />
              <FormControlLabel
                value="link"
                control={<Radio />}
                label="Single-use reset link (expires)"
              />
            </RadioGroup>
            {mode === 'temporary' && (
              <TextField
                fullWidth
                margin="dense"
                label="Password to set"
                type="text"
                autoComplete="off"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                error={!!errors.password}
                helperText={errors.password ?? 'empty: Roost generates a strong one'}
              />
            )}
            <TextField
              fullWidth
              margin="dense"
              label={reasonRequired ? 'Reason or ticket (required)' : 'Reason or ticket'}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              required={reasonRequired}
              error={!!errors.reason}
              helperText={errors.reason ?? 'kept in the audit log'}
            />
            {error && (
              <Alert severity="error" sx={{ mt: 1 }}>
                {error}
              </Alert>
            )}
          </DialogContent>
        ) : (
          <DialogContent>
            <DialogContentText sx={{ mb: 1 }}>
              {result.mode === 'temporary'
                ? 'Shown only once. The user must choose a new password at the next login.'
                : `Send this link to the user; it works once${result.expiresAt ? ` and expires ${new Date(result.expiresAt).toLocaleString()}` : ''}.`}
            </DialogContentText>
            {result.mode === 'temporary' && result.password && (
              <CopyField label="Temporary password" value={result.password} />
            )}
            {result.mode === 'temporary' && !result.password && (
              <Alert severity="success">The password you typed is set.</Alert>
            )}
            {result.mode === 'link' && result.url && (
              <CopyField label="Reset link" value={result.url} />
            )}
          </DialogContent>
        )}
        <DialogActions>
          {!result ? (
            <>
              <Button label="Cancel" onClick={close} />
              <Button
                label="Reset"
                variant="contained"
                disabled={busy || missingReason}
                onClick={() => void submit()}
              />
            </>
          ) : (
            <Button label="Done" variant="contained" onClick={close} />
          )}
        </DialogActions>
      </Dialog>
    </>
  );
};
