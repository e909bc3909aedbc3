import { Alert, Button, Stack, TextField } from '@mui/material';
import { useState } from 'react';
import { apiFetch, fieldErrorsOf, messageOf } from '../api';
import { NewPasswordFields, useNewPassword } from './NewPasswordFields';
import { PublicCard } from './PublicCard';

/** A mail user changes their own password with the current one (POST /api/mail-users/password). */
export const ChangePasswordPage = () => {
  const [address, setAddress] = useState('');
  const [currentPassword, setCurrent] = useState('');
  const password = useNewPassword();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const { value: newPassword, mismatch } = password;
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      await apiFetch('/mail-users/password', {
        body: { address: address.trim(), currentPassword, newPassword },
      });
      setDone(true);
    } catch (err) {
      const f = fieldErrorsOf(err);
      setErrors(f);
      if (!Object.keys(f).length || f.address || f.currentPassword) setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicCard title="Change your mail password">
      {done ? (
        <Alert severity="success">
          Your password is changed. Use the new one in your mail program from now on.
        </Alert>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <Stack spacing={2}>
            <TextField
              label="Email address"
              autoComplete="username"
              value={address}
              onChange={(e) => setAddress(e.target.value)}
              required
              error={!!errors.address}
              helperText={errors.address}
            />
            <TextField
              label="Current password"
              type="password"
              autoComplete="current-password"
              value={currentPassword}
              onChange={(e) => setCurrent(e.target.value)}
              required
              error={!!errors.currentPassword}
              helperText={errors.currentPassword}
            />
            <NewPasswordFields password={password} error={errors.newPassword} />
            {error && <Alert severity="error">{error}</Alert>}
            <Button type="submit" variant="contained" disabled={busy || mismatch}>
              Change password
            </Button>
          </Stack>
        </form>
      )}
    </PublicCard>
  );
};
