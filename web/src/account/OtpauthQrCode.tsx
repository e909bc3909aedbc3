import { Box, Typography } from '@mui/material';
import { useEffect, useState } from 'react';

/** The otpauth:// URI as a QR code for the authenticator app to scan (drawn in the browser). */
export const OtpauthQrCode = ({ uri, size = 200 }: { uri: string; size?: number }) => {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    setSrc(null);
    setFailed(false);
    // a chunk of its own: only the enrolment screen needs the encoder
    import('qrcode')
      .then(({ toDataURL }) =>
        toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: size }),
      )
      .then((url) => live && setSrc(url))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [uri, size]);
  if (failed)
    return (
      <Typography variant="body2" color="error">
        The QR code could not be drawn: type the key instead.
      </Typography>
    );
  return (
    <Box sx={{ width: size, height: size, flexShrink: 0, lineHeight: 0 }} data-testid="totp-qr">
      {src && <img src={src} width={size} height={size} alt="QR code of the otpauth link" />}
    </Box>
  );
};
