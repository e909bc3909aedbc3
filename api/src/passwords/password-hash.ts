import { Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { createHash, timingSafeEqual } from 'node:crypto';
import { md5Crypt } from './md5-crypt';

/** OWASP's argon2id parameters; costs well under 50 ms per hash on the fleet's machines. */
export const ARGON2_PARAMS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Schemes Roost can verify. New hashes are always `{ARGON2ID}`; the others come from imports. */
export type HashScheme =
  'ARGON2ID' | 'SHA512-CRYPT' | 'SHA256-CRYPT' | 'BLF-CRYPT' | 'MD5-CRYPT' | 'SSHA' | 'SSHA512';

export interface ParsedHash {
  scheme: HashScheme;
  /** The hash without its `{SCHEME}` prefix. */
  value: string;
}

const ARGON2ID = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const SHA_CRYPT = (id: '5' | '6') =>
  new RegExp(`^\\$${id}\\$(rounds=\\d+\\$)?[^$]{1,16}\\$[./0-9A-Za-z]+$`);
const BLF_CRYPT = /^\$2[aby]\$\d\d\$[./0-9A-Za-z]{53}$/;
const MD5_CRYPT = /^\$1\$[^$]{0,8}\$[./0-9A-Za-z]{22}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** What the hash of each `{CRYPT}`-family scheme looks like, for `{CRYPT}` and bare imports. */
function cryptScheme(value: string): HashScheme | null {
  if (ARGON2ID.test(value)) return 'ARGON2ID';
  if (SHA_CRYPT('6').test(value)) return 'SHA512-CRYPT';
  if (SHA_CRYPT('5').test(value)) return 'SHA256-CRYPT';
  if (BLF_CRYPT.test(value)) return 'BLF-CRYPT';
  if (MD5_CRYPT.test(value)) return 'MD5-CRYPT';
  return null;
}

function saltedBase64Ok(value: string, digestBytes: number): boolean {
  if (!BASE64.test(value)) return false;
  return Buffer.from(value, 'base64').length > digestBytes;
}

/**
 * Parses a stored or imported hash: `{SCHEME}value` (Dovecot style), `{CRYPT}$x$...`, or a bare
 * `$argon2id$...`. Returns the reason when it is not a hash Roost can verify.
 */
export function parseHash(input: string): ParsedHash | { error: string } {
  const m = /^\{([A-Z0-9-]+)\}(.*)$/s.exec(input);
  if (!m) {
    if (ARGON2ID.test(input)) return { scheme: 'ARGON2ID', value: input };
    return { error: 'must start with a {SCHEME} prefix such as {SHA512-CRYPT}' };
  }
  const [, prefix, value] = m;
  const bad = { error: `is not a valid ${prefix} hash` };
  switch (prefix) {
    case 'ARGON2ID':
      return ARGON2ID.test(value) ? { scheme: 'ARGON2ID', value } : bad;
    case 'SHA512-CRYPT':
      return SHA_CRYPT('6').test(value) ? { scheme: 'SHA512-CRYPT', value } : bad;
    case 'SHA256-CRYPT':
      return SHA_CRYPT('5').test(value) ? { scheme: 'SHA256-CRYPT', value } : bad;
    case 'BLF-CRYPT':
      return BLF_CRYPT.test(value) ? { scheme: 'BLF-CRYPT', value } : bad;
    case 'MD5-CRYPT':
      return MD5_CRYPT.test(value) ? { scheme: 'MD5-CRYPT', value } : bad;
    case 'CRYPT': {
      const scheme = cryptScheme(value);
      return scheme ? { scheme, value } : bad;
    }
    case 'SSHA':
      return saltedBase64Ok(value, 20) ? { scheme: 'SSHA', value } : bad;
    case 'SSHA512':
      return saltedBase64Ok(value, 64) ? { scheme: 'SSHA512', value } : bad;
    default:
      return { error: `uses the unsupported scheme {${prefix}}` };
  }
}

export function isParsedHash(p: ParsedHash | { error: string }): p is ParsedHash {
  return !('error' in p);
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function verifySalted(algorithm: 'sha1' | 'sha512', value: string, password: string): boolean {
  const raw = Buffer.from(value, 'base64');
  const digestBytes = algorithm === 'sha1' ? 20 : 64;
  const digest = raw.subarray(0, digestBytes);
  const salt = raw.subarray(digestBytes);
  const computed = createHash(algorithm).update(password, 'utf8').update(salt).digest();
  return safeEqual(digest, computed);
}

interface Unixcrypt {
  verify(plaintext: string, hash: string): boolean;
}

// unixcrypt is an ES module only; load it once, on first use.
let unixcrypt: Promise<Unixcrypt> | undefined;
function loadUnixcrypt(): Promise<Unixcrypt> {
  unixcrypt ??= import('unixcrypt');
  return unixcrypt;
}

/** Checks `password` against a parsed hash of any supported scheme. */
export async function verifyParsed(parsed: ParsedHash, password: string): Promise<boolean> {
  switch (parsed.scheme) {
    case 'ARGON2ID':
      return argon2Verify(parsed.value, password);
    case 'SHA512-CRYPT':
    case 'SHA256-CRYPT':
      return (await loadUnixcrypt()).verify(password, parsed.value);
    case 'BLF-CRYPT':
      return bcrypt.compare(password, parsed.value);
    case 'MD5-CRYPT':
      return safeEqual(Buffer.from(md5Crypt(password, parsed.value)), Buffer.from(parsed.value));
    case 'SSHA':
      return verifySalted('sha1', parsed.value, password);
    case 'SSHA512':
      return verifySalted('sha512', parsed.value, password);
  }
}

/** A new `{ARGON2ID}` hash with Roost's parameters. */
export async function hashPassword(password: string): Promise<string> {
  const h = await argon2Hash(password, { algorithm: Algorithm.Argon2id, ...ARGON2_PARAMS });
  return `{ARGON2ID}${h}`;
}

/** True when a stored hash should be replaced by a fresh argon2id hash at the next good login. */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!isParsedHash(parsed) || parsed.scheme !== 'ARGON2ID') return true;
  const m = ARGON2ID.exec(parsed.value);
  if (!m) return true;
  const [memory, time, parallelism] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return (
    memory < ARGON2_PARAMS.memoryCost ||
    time < ARGON2_PARAMS.timeCost ||
    parallelism < ARGON2_PARAMS.parallelism ||
    !stored.startsWith('{ARGON2ID}')
  );
}
