import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** What a sealed value starts with; a legacy plaintext TOTP secret (base32) never has a `:`. */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** 32 bytes in standard base64, as `openssl rand -base64 32` prints them. */
export const SECRET_KEY_PATTERN = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export class SecretBoxError extends Error {}

/**
 * Secrets that must be read back (TOTP seeds), encrypted at rest with AES-256-GCM under
 * ROOST_SECRET_KEY. A sealed value is `v1:<key id>:<base64url(iv | ciphertext | tag)>`; the key
 * id (first 4 bytes of the key's SHA-256) tells a wrong key from a damaged value. `context`
 * (e.g. `totp:<admin id>`) is authenticated data: a value copied to another row does not open.
 */
export class SecretBox {
  private readonly key: Buffer;
  readonly keyId: string;

  constructor(base64Key: string) {
    if (!SECRET_KEY_PATTERN.test(base64Key))
      throw new SecretBoxError('the key must be 32 bytes in base64 (openssl rand -base64 32)');
    this.key = Buffer.from(base64Key, 'base64');
    this.keyId = createHash('sha256').update(this.key).digest('hex').slice(0, 8);
  }

  /** True when `stored` is a sealed value (anything else is a legacy plaintext). */
  static isSealed(stored: string): boolean {
    return stored.startsWith(`${VERSION}:`);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
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
    if (keyId !== this.keyId)
      throw new SecretBoxError(
        `sealed under another key (id ${keyId}; ROOST_SECRET_KEY has id ${this.keyId})`,
      );
    const raw = Buffer.from(payload, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('sealed value is too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('sealed value does not authenticate (damaged, or another row)');
    }
  }

  /** Reads either form: a sealed value, or a legacy plaintext (`legacy: true`: seal it again). */
  read(stored: string, context: string): { plaintext: string; legacy: boolean } {
    if (SecretBox.isSealed(stored)) return { plaintext: this.open(stored, context), legacy: false };
    return { plaintext: stored, legacy: true };
  }
}
