import LockIcon from '@mui/icons-material/Lock';
import {
  Alert,
  Avatar,
  Box,
  Button,
  Card,
  CardContent,
  Link,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { useLogin } from 'react-admin';
import { messageOf } from '../api';
import { TotpRequiredError } from '../authProvider';

/** Username and password, then a TOTP code when the account has one. */
export const LoginPage = () => {
  const login = useLogin();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [askTotp, setAskTotp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sessionEnded = new URLSearchParams(window.location.search).has('expired');

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login({ username, password, ...(askTotp ? { totp } : {}) });
    } catch (err) {
      if (err instanceof TotpRequiredError) {
        setAskTotp(true);
        if (err.wrongCode) setError(err.message);
        setTotp('');
      } else setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box
      sx={{
        minHeight: '100vh',
        display: 'flex',
        justifyContent: 'center',
        alignItems: 'flex-start',
        pt: 12,
        bgcolor: 'grey.100',
      }}
    >
      <Card sx={{ width: 360 }}>
        <CardContent>
          <Stack spacing={1} sx={{ mb: 2, alignItems: 'center' }}>
            <Avatar sx={{ bgcolor: 'primary.main' }}>
              <LockIcon />
            </Avatar>
            <Typography variant="h5">Roost console</Typography>
          </Stack>
          {sessionEnded && !error && (
            <Alert severity="info" sx={{ mb: 2 }}>
              Your session has ended; sign in again.
            </Alert>
          )}
          <form onSubmit={(e) => void submit(e)} aria-label="sign in">
            <Stack spacing={2}>
              <TextField
                label="Username"
                name="username"
                autoComplete="username"
                autoFocus
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                disabled={askTotp}
                required
              />
              <TextField
                label="Password"
                name="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                disabled={askTotp}
                required
              />
              {askTotp && (
                <TextField
                  label="Code from your authenticator"
                  name="totp"
                  autoComplete="one-time-code"
                  autoFocus
                  value={totp}
                  onChange={(e) => setTotp(e.target.value.replace(/\D/g, '').slice(0, 6))}
                  slotProps={{ htmlInput: { inputMode: 'numeric', pattern: '\\d{6}' } }}
                  required
                />
              )}
              {error && <Alert severity="error">{error}</Alert>}
              <Button type="submit" variant="contained" disabled={busy}>
                {askTotp ? 'Verify' : 'Sign in'}
              </Button>
              {askTotp && (
                <Button
                  onClick={() => {
                    setAskTotp(false);
                    setTotp('');
                    setError(null);
                  }}
                >
                  Back
                </Button>
              )}
            </Stack>
          </form>
          <Typography variant="body2" sx={{ mt: 3, textAlign: 'center' }}>
            A mail user? <Link href="/password">Change your mail password</Link>
          </Typography>
        </CardContent>
      </Card>
    </Box>
  );
};
