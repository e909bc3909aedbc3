import { Alert, Box, Card, CardContent, Stack, TextField, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { Button, Title, useNotify } from 'react-admin';
import { apiFetch, fieldErrorsOf, messageOf } from '../api';
import { loadMe, type Me } from '../authProvider';
import { CopyField } from '../components/CopyField';
import { OtpauthQrCode } from './OtpauthQrCode';

const OwnPassword = () => {
  const notify = useNotify();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setErrors({});
    try {
      await apiFetch('/auth/password', { body: { currentPassword, newPassword } });
      notify('Password changed; your other sessions are signed out', { type: 'success' });
      setCurrent('');
      setNew('');
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      notify(messageOf(err), { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack spacing={2} sx={{ maxWidth: 400 }}>
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={currentPassword}
        onChange={(e) => setCurrent(e.target.value)}
        error={!!errors.currentPassword}
        helperText={errors.currentPassword}
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        value={newPassword}
        onChange={(e) => setNew(e.target.value)}
        error={!!errors.newPassword}
        helperText={errors.newPassword}
      />
      <Box>
        <Button
          label="Change password"
          variant="contained"
          disabled={busy || !currentPassword || !newPassword}
          onClick={() => void submit()}
        />
      </Box>
    </Stack>
  );
};

const Totp = ({ me, onChange }: { me: Me; onChange: () => void }) => {
  const notify = useNotify();
  const [enrolment, setEnrolment] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const call = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await fn();
      notify(done, { type: 'success' });
      setEnrolment(null);
      setCode('');
      onChange();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  if (me.totpEnrolled)
    return (
      <Stack spacing={2} sx={{ maxWidth: 400 }}>
        <Alert severity="success">Sign-in asks for a code from your authenticator app.</Alert>
        {!me.totpRequired && (
          <>
            <TextField
              label="Current code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
            <Box>
              <Button
                label="Remove the second factor"
                color="error"
                disabled={!/^\d{6}$/.test(code)}
                onClick={() =>
                  void call(
                    () => apiFetch('/auth/totp/remove', { body: { code } }),
                    'Second factor removed',
                  )
                }
              />
            </Box>
          </>
        )}
        {error && <Alert severity="error">{error}</Alert>}
      </Stack>
    );
  return (
    <Stack spacing={2} sx={{ maxWidth: 640 }}>
      {me.mustEnrolTotp && (
        <Alert severity="warning">
          Your account requires a second factor: set it up to continue.
        </Alert>
      )}
      {!enrolment ? (
        <Box>
          <Button
            label="Set up an authenticator app"
            variant="contained"
            onClick={() =>
              apiFetch<{ secret: string; uri: string }>('/auth/totp/enrol', { body: {} })
                .then(setEnrolment)
                .catch((err: unknown) => setError(messageOf(err)))
            }
          />
        </Box>
      ) : (
        <>
          <Typography variant="body2">
            Scan the QR code with your authenticator app (or add the key by hand, or open the
            otpauth link on the phone), then type the code it shows.
          </Typography>
          <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2} sx={{ alignItems: 'center' }}>
            <OtpauthQrCode uri={enrolment.uri} />
            <Stack spacing={2} sx={{ flex: 1, minWidth: 0 }}>
              <CopyField label="Key" value={enrolment.secret} />
              <CopyField label="otpauth link" value={enrolment.uri} />
            </Stack>
          </Stack>
          <TextField label="Code" value={code} onChange={(e) => setCode(e.target.value)} />
          <Box>
            <Button
              label="Confirm"
              variant="contained"
              disabled={!/^\d{6}$/.test(code)}
              onClick={() =>
                void call(
                  () => apiFetch('/auth/totp/confirm', { body: { code } }),
                  'Second factor enabled',
                )
              }
            />
          </Box>
        </>
      )}
      {error && <Alert severity="error">{error}</Alert>}
    </Stack>
  );
};

/** The signed-in admin's own password and second factor. */
export const AccountPage = () => {
  const [me, setMe] = useState<Me | null>(null);
  const reload = () =>
    void loadMe(true).then((next) => {
      // the menus were built for an account that could only enrol: start again with the full role
      if (me?.mustEnrolTotp && next && !next.mustEnrolTotp) window.location.assign('/');
      setMe(next);
    });
  useEffect(reload, []);
  return (
    <Box sx={{ mt: 2 }}>
      <Title title="My account" />
      <Card sx={{ mb: 2 }}>
        <CardContent>
          <Typography variant="h6" gutterBottom>
            {me ? `${me.username} (${me.role})` : 'My account'}
          </Typography>
          <Typography variant="subtitle1" gutterBottom>
            Second factor (TOTP)
          </Typography>
          {me && <Totp me={me} onChange={reload} />}
        </CardContent>
      </Card>
      {me && !me.mustEnrolTotp && (
        <Card>
          <CardContent>
            <Typography variant="subtitle1" gutterBottom>
              Password
            </Typography>
            <OwnPassword />
          </CardContent>
        </Card>
      )}
    </Box>
  );
};
