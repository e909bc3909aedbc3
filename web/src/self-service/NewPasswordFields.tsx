import { TextField } from '@mui/material';
import { useState } from 'react';

/** The state of a new password typed twice; `mismatch` once the second one differs. */
export interface NewPassword {
  value: string;
  repeat: string;
  mismatch: boolean;
  setValue(value: string): void;
  setRepeat(value: string): void;
}

export function useNewPassword(): NewPassword {
  const [value, setValue] = useState('');
  const [repeat, setRepeat] = useState('');
  return { value, repeat, mismatch: repeat !== '' && repeat !== value, setValue, setRepeat };
}

/** "New password" and "New password again", with the API's field error under the first. */
export const NewPasswordFields = ({
  password,
  error,
}: {
  password: NewPassword;
  /** The API's reason for `newPassword` (errors[].field), if it refused it. */
  error?: string;
}) => (
  <>
    <TextField
      label="New password"
      type="password"
      autoComplete="new-password"
      value={password.value}
      onChange={(e) => password.setValue(e.target.value)}
      required
      error={!!error}
      helperText={error ?? 'long and not used anywhere else'}
    />
    <TextField
      label="New password again"
      type="password"
      autoComplete="new-password"
      value={password.repeat}
      onChange={(e) => password.setRepeat(e.target.value)}
      required
      error={password.mismatch}
      helperText={password.mismatch ? 'does not match' : undefined}
    />
  </>
);
