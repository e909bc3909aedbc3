import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** What a sealed value starts with; a legacy plaintext TOTP secret (base32) never has a `:`. */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const KEY_BASE64 = '[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=';
/** 32 bytes in standard base64, as `openssl rand -base64 32` prints them. */
export const SECRET_KEY_PATTERN = new RegExp(`^${KEY_BASE64}$`);
/** Keys retired by a rotation, comma-separated (ROOST_SECRET_KEY_PREVIOUS). */
export const PREVIOUS_KEYS_PATTERN = new RegExp(`^${KEY_BASE64}(,${KEY_BASE64})*$`);

export class SecretBoxError extends Error {}

/**
 * Secrets that must be read back (TOTP seeds), encrypted at rest with AES-256-GCM under
 * ROOST_SECRET_KEY. A sealed value is `v1:<key id>:<base64url(iv | ciphertext | tag)>`; the key
 * id (first 4 bytes of the key's SHA-256) picks the key that opens it and tells a wrong key from
 * a damaged value. `context` (e.g. `totp:<admin id>`) is authenticated data: a value copied to
 * another row does not open. Rotation: values sealed under a previous key (ROOST_SECRET_KEY_PREVIOUS)
 * still open, read as stale, and are sealed again under the current key.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  /** Id of the current key, the one `seal` uses. */
  readonly keyId: string;

  constructor(base64Key: string, previousKeys: readonly string[] = []) {
    this.keyId = this.addKey(base64Key);
    for (const key of previousKeys) this.addKey(key);
  }

  private addKey(base64Key: string): string {
    if (!SECRET_KEY_PATTERN.test(base64Key))
      throw new SecretBoxError('the key must be 32 bytes in base64 (openssl rand -base64 32)');
    const key = Buffer.from(base64Key, 'base64');
    const id = createHash('sha256').update(key).digest('hex').slice(0, 8);
    if (!this.keys.has(id)) this.keys.set(id, key);
    return id;
  }

  /** True when `stored` is a sealed value (anything else is a legacy plaintext). */
  static isSealed(stored: string): boolean {
    return stored.startsWith(`${VERSION}:`);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const payload = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
    return `${VERSION}:${this.keyId}:${payload}`;
  }

  /** Opens a sealed value; throws a `SecretBoxError` for a wrong key, context or damaged value. */
  open(sealed: string, context: string): string {
    const [version, keyId, payload, ...rest] = sealed.split(':');
    if (version !== VERSION || payload === undefined || rest.length > 0)
      throw new SecretBoxError('not a sealed value');
    const key = this.keys.get(keyId);
    if (!key)
      throw new SecretBoxError(
        `sealed under another key (id ${keyId}; the keys given have ids ${[...this.keys.keys()].join(', ')})`,
      );
    const raw = Buffer.from(payload, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('sealed value is too short');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('sealed value does not authenticate (damaged, or another row)');
    }
  }

  /**
   * Reads any stored form. `stale: true` for a legacy plaintext or a value sealed under a previous
   * key: the caller seals it again under the current key.
   */
  read(stored: string, context: string): { plaintext: string; stale: boolean } {
    if (!SecretBox.isSealed(stored)) return { plaintext: stored, stale: true };
    return {
      plaintext: this.open(stored, context),
      stale: !stored.startsWith(`${VERSION}:${this.keyId}:`),
    };
  }
}

/** ROOST_SECRET_KEY_PREVIOUS as a list (unset: none). */
export function previousSecretKeys(env: { ROOST_SECRET_KEY_PREVIOUS?: string }): string[] {
  return env.ROOST_SECRET_KEY_PREVIOUS ? env.ROOST_SECRET_KEY_PREVIOUS.split(',') : [];
}
