import { createHash } from 'node:crypto';
import { Backend } from '@roost/db';
import { CyrusAdminSession, SessionOptions, openAdmin } from '@roost/imap';

/**
 * Logged-in admin sessions kept per backend between jobs, so a burst of mailbox jobs does not
 * pay a connect, ID, LOGIN, NAMESPACE, ENABLE and LOGOUT each. A session goes back to the pool
 * only after a job that worked with it; an idle one is logged out after `idleMs`. The key holds
 * the backend's address, admin and a hash of the secret, so a changed backend row or a rotated
 * password never reuses an old session. Health checks do not use it: they test a fresh login.
 */
export class AdminSessionPool {
  private readonly idle = new Map<string, { session: CyrusAdminSession; since: number }[]>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly options: SessionOptions,
    private readonly idleMs = 20_000,
    private readonly maxIdlePerBackend = 16,
  ) {
    this.sweeper = setInterval(
      () => void this.closeIdle(Date.now() - this.idleMs),
      this.idleMs / 2,
    );
    this.sweeper.unref();
  }

  async use<T>(
    backend: Backend,
    secret: string,
    fn: (admin: CyrusAdminSession) => Promise<T>,
  ): Promise<T> {
    const key = poolKey(backend, secret);
    const session = this.take(key) ?? (await openAdmin(backend, secret, this.options));
    let worked = false;
    try {
      const result = await fn(session);
      worked = true;
      return result;
    } finally {
      if (worked && session.usable && !this.closed) this.give(key, session);
      else await session.close();
    }
  }

  /** Logs out every idle session; sessions in use close when their job ends. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await this.closeIdle(Infinity);
  }

  private take(key: string): CyrusAdminSession | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const { session } = list.pop()!;
      if (session.usable) return session;
      void session.close();
    }
    return undefined;
  }

  private give(key: string, session: CyrusAdminSession): void {
    const list = this.idle.get(key) ?? [];
    if (list.length >= this.maxIdlePerBackend) {
      void session.close();
      return;
    }
    list.push({ session, since: Date.now() });
    this.idle.set(key, list);
  }

  private async closeIdle(before: number): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, list] of this.idle) {
      const keep = list.filter((entry) => entry.since > before);
      for (const entry of list) if (entry.since <= before) closing.push(entry.session.close());
      if (keep.length > 0) this.idle.set(key, keep);
      else this.idle.delete(key);
    }
    await Promise.all(closing);
  }
}

function poolKey(backend: Backend, secret: string): string {
  const hash = createHash('sha256').update(secret).digest('hex').slice(0, 16);
  return [
    backend.id,
    backend.imapHost,
    backend.imapPort,
    backend.tlsMode,
    backend.tlsVerify,
    backend.adminUser,
    hash,
  ].join('|');
}
