import { createHash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function to64(value: number, count: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < count; i++) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

function md5(...parts: Buffer[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * FreeBSD/Linux md5-crypt (`$1$salt$hash`, poul-henning kamp's algorithm), as produced by
 * `openssl passwd -1`. Only for verifying imported legacy hashes; never used for new ones.
 */
export function md5Crypt(password: string, saltInput: string): string {
  const magic = '$1$';
  let salt = saltInput.startsWith(magic) ? saltInput.slice(magic.length) : saltInput;
  const end = salt.indexOf('$');
  if (end >= 0) salt = salt.slice(0, end);
  salt = salt.slice(0, 8);

  const pw = Buffer.from(password, 'utf8');
  const saltBuf = Buffer.from(salt, 'utf8');
  const magicBuf = Buffer.from(magic, 'utf8');

  let alt = md5(pw, saltBuf, pw);
  const ctx = createHash('md5');
  ctx.update(pw);
  ctx.update(magicBuf);
  ctx.update(saltBuf);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(alt.subarray(0, Math.min(16, left)));
  for (let i = pw.length; i > 0; i >>= 1) {
    ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  }
  let final = ctx.digest();

  for (let i = 0; i < 1000; i++) {
    const c = createHash('md5');
    c.update(i & 1 ? pw : final);
    if (i % 3) c.update(saltBuf);
    if (i % 7) c.update(pw);
    c.update(i & 1 ? final : pw);
    final = c.digest();
  }
  alt = final;

  const b = alt;
  const encoded =
    to64((b[0] << 16) | (b[6] << 8) | b[12], 4) +
    to64((b[1] << 16) | (b[7] << 8) | b[13], 4) +
    to64((b[2] << 16) | (b[8] << 8) | b[14], 4) +
    to64((b[3] << 16) | (b[9] << 8) | b[15], 4) +
    to64((b[4] << 16) | (b[10] << 8) | b[5], 4) +
    to64(b[11], 2);
  return `${magic}${salt}$${encoded}`;
}
