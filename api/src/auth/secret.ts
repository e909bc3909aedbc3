import { createHash, randomBytes } from 'node:crypto';

/** A new opaque secret: `<kind>_<43 url-safe characters>` (256 bits). */
export function newSecret(kind: 'rs' | 'rt' | 'rr'): string {
  return `${kind}_${randomBytes(32).toString('base64url')}`;
}

/** Only this digest of a session, token or reset secret is stored. */
export function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
