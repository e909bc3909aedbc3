import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import { IconButton, InputAdornment, TextField, Tooltip } from '@mui/material';
import { useRef, useState } from 'react';

/** A read-only secret (temporary password, reset link) with a copy button. */
export const CopyField = ({ label, value }: { label: string; value: string }) => {
  const [copied, setCopied] = useState(false);
  const ref = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // no clipboard API outside secure contexts: select and copy the old way
      ref.current?.select();
      document.execCommand('copy');
    }
    setCopied(true);
  };
  return (
    <TextField
      label={label}
      value={value}
      fullWidth
      margin="dense"
      inputRef={ref}
      onFocus={(e) => e.target.select()}
      slotProps={{
        input: {
          readOnly: true,
          sx: { fontFamily: 'monospace' },
          endAdornment: (
            <InputAdornment position="end">
              <Tooltip title={copied ? 'Copied' : 'Copy'}>
                <IconButton aria-label={`copy ${label}`} onClick={() => void copy()} edge="end">
                  <ContentCopyIcon />
                </IconButton>
              </Tooltip>
            </InputAdornment>
          ),
        },
      }}
    />
  );
};
