import { Alert, Button, CircularProgress, Stack, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { apiFetch, fieldErrorsOf, messageOf } from '../api';
import { NewPasswordFields, useNewPassword } from './NewPasswordFields';
import { PublicCard } from './PublicCard';

/** The token travels in the fragment (`/reset-password#token=rr_...`), so it never reaches a log. */
function tokenFromLocation(): string | null {
  const hash = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  return hash.get('token') ?? new URLSearchParams(window.location.search).get('token');
}

type Check =
  | { state: 'checking' }
  | { state: 'valid'; address: string; expiresAt: string }
  | { state: 'invalid'; message: string };

/** The landing page of a reset link: checks the token, then sets the new password. */
export const ResetLinkPage = () => {
  const [token] = useState(tokenFromLocation);
  const [check, setCheck] = useState<Check>({ state: 'checking' });
  const password = useNewPassword();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    if (!token) {
      setCheck({ state: 'invalid', message: 'This link has no reset token. Ask for a new link.' });
      return;
    }
    apiFetch<{ address: string; expiresAt: string }>('/mail-users/password/reset/check', {
      body: { token },
    })
      .then((r) => setCheck({ state: 'valid', address: r.address, expiresAt: r.expiresAt }))
      .catch((err: unknown) =>
        setCheck({ state: 'invalid', message: `${messageOf(err)}. Ask for a new link.` }),
      );
  }, [token]);

  const { value: newPassword, mismatch } = password;
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (mismatch || !token) return;
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const r = await apiFetch<{ address: string }>('/mail-users/password/reset', {
        body: { token, newPassword },
      });
      setDone(r.address);
    } catch (err) {
      const f = fieldErrorsOf(err);
      setErrors(f);
      if (!f.newPassword) setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicCard title="Choose a new mail password">
      {done ? (
        <Alert severity="success">
          The password of {done} is set. The link cannot be used again.
        </Alert>
      ) : check.state === 'checking' ? (
        <Stack direction="row" spacing={2} sx={{ alignItems: 'center' }}>
          <CircularProgress size={20} />
          <Typography>Checking the link…</Typography>
        </Stack>
      ) : check.state === 'invalid' ? (
        <Alert severity="error">{check.message}</Alert>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <Stack spacing={2}>
            <Typography>
              For <strong>{check.address}</strong>; the link expires{' '}
              {new Date(check.expiresAt).toLocaleString()}.
            </Typography>
            <NewPasswordFields password={password} error={errors.newPassword} />
            {error && <Alert severity="error">{error}</Alert>}
            <Button type="submit" variant="contained" disabled={busy || mismatch}>
              Set password
            </Button>
          </Stack>
        </form>
      )}
    </PublicCard>
  );
};
