import { randomInt } from 'node:crypto';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/** The passwords people pick first; a real deployment may add a breached-password list. */
const COMMON = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  'qwertyuiop',
  'qwertzuiop',
  'azertyuiop',
  '1234567890',
  '0123456789',
  '123456789a',
  'iloveyou12',
  'letmein123',
  'welcome123',
  'changeme123',
  'administrator',
  'sunshine123',
  'football123',
]);

export interface StrengthContext {
  /** Local part of the mail address, or the admin's username. */
  localPart?: string;
  /** The mail domain; its first label must not be the password either. */
  domain?: string;
}

/**
 * Why `password` is too weak, or null. Rules: 10 to 256 characters, no control characters,
 * at least 5 different characters, not a well-known password, and it must not contain the
 * user's own name (local part or username) or the domain's first label.
 */
export function passwordWeakness(password: string, ctx: StrengthContext = {}): string | null {
  if (password.length < PASSWORD_MIN_LENGTH)
    return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH)
    return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(password)) return 'must not contain control characters';
  if (new Set(password).size < 5) return 'must contain at least 5 different characters';
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'is a well-known password';
  const local = ctx.localPart?.toLowerCase();
  if (local && local.length >= 3 && lower.includes(local)) return 'must not contain the user name';
  const label = ctx.domain?.toLowerCase().split('.')[0];
  if (label && label.length >= 4 && lower.includes(label))
    return 'must not contain the domain name';
  return null;
}

const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random password (about 117 bits) without look-alike characters, shown to a person once. */
export function generatePassword(length = 20): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}
