import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface CredentialCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

/**
 * Remembers, for a short time, that a (login, password) pair matched a stored hash, so that a
 * client reconnecting (and the backend re-checking a login the proxy just checked) costs no
 * second argon2id run. Like Dovecot's auth cache, but safe against the usual pitfalls:
 *
 * - keys are an HMAC of (login, password) under a random key that never leaves this process,
 *   so the cache holds nothing that helps an offline guess;
 * - an entry is valid only for the exact stored hash it was checked against: a password change
 *   (or a re-hash) misses at once;
 * - account state (suspended, frozen, moved) is never cached: callers read it on every login.
 */
export class VerifiedCredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { hash: string; expiresAt: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: CredentialCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** True when this pair was verified against exactly `storedHash` within the TTL. */
  has(login: string, password: string, storedHash: string): boolean {
    if (this.opts.ttlMs <= 0) return false;
    const id = this.id(login, password);
    const entry = this.entries.get(id);
    if (!entry) return false;
    if (entry.expiresAt <= this.now() || entry.hash !== digest(storedHash)) {
      this.entries.delete(id);
      return false;
    }
    return true;
  }

  remember(login: string, password: string, storedHash: string): void {
    if (this.opts.ttlMs <= 0) return;
    const id = this.id(login, password);
    this.entries.delete(id); // re-insert at the end: Map order is the eviction order
    this.entries.set(id, { hash: digest(storedHash), expiresAt: this.now() + this.opts.ttlMs });
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private id(login: string, password: string): string {
    return createHmac('sha256', this.key)
      .update(login, 'utf8')
      .update('\0')
      .update(password, 'utf8')
      .digest('base64url');
  }
}

function digest(storedHash: string): string {
  return createHash('sha256').update(storedHash, 'utf8').digest('base64url');
}
