import { Backend } from '@roost/db';
import {
  ImapTimeouts,
  SieveClient,
  TransferSession,
  resolveSecret,
  openAdmin,
  CyrusAdminSession,
} from '@roost/imap';

/** One source and one target connection as the owner: one folder is worked on per lane. */
export interface Lane {
  src: TransferSession;
  dst: TransferSession;
}

/**
 * The connections of one move run, opened on demand and reused across its steps (a freeze
 * window should not pay for logins it can avoid). Secrets are resolved when needed and never
 * kept beyond the run.
 */
export class MoveSessions {
  private lanes: Lane[] = [];
  private secrets = new Map<number, string>();
  private admins = new Map<number, CyrusAdminSession>();
  private adminUsedAt = new Map<number, number>();
  private sieves = new Map<number, SieveClient>();

  constructor(
    readonly source: Backend,
    readonly target: Backend,
    readonly address: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly timeouts: Partial<ImapTimeouts>,
  ) {}

  async secret(backend: Backend): Promise<string> {
    let secret = this.secrets.get(backend.id);
    if (secret === undefined) {
      secret = await resolveSecret(backend.adminSecretRef, this.env);
      this.secrets.set(backend.id, secret);
    }
    return secret;
  }

  /** `count` lanes, reconnecting any whose connection has gone. */
  async openLanes(count: number): Promise<Lane[]> {
    const out: Lane[] = [];
    for (let i = 0; i < count; i++) {
      let lane: Lane | undefined = this.lanes[i];
      if (lane && !(await laneAlive(lane))) {
        await closeLane(lane);
        lane = undefined;
      }
      if (!lane) {
        const [src, dst] = await Promise.allSettled([
          this.openOwner(this.source),
          this.openOwner(this.target),
        ]);
        if (src.status === 'rejected' || dst.status === 'rejected') {
          if (src.status === 'fulfilled') await src.value.close();
          if (dst.status === 'fulfilled') await dst.value.close();
          throw src.status === 'rejected' ? src.reason : (dst as PromiseRejectedResult).reason;
        }
        lane = { src: src.value, dst: dst.value };
        this.lanes[i] = lane;
      }
      out.push(lane);
    }
    return out;
  }

  async openOwner(backend: Backend): Promise<TransferSession> {
    return TransferSession.open(backend, await this.secret(backend), this.address, this.timeouts);
  }

  async openAdminTransfer(backend: Backend): Promise<TransferSession> {
    return TransferSession.open(backend, await this.secret(backend), undefined, this.timeouts);
  }

  /** Runs `fn` in the run's admin session on `backend` (opened once, reopened when it died). */
  async asAdmin<T>(backend: Backend, fn: (admin: CyrusAdminSession) => Promise<T>): Promise<T> {
    const cached = this.admins.get(backend.id);
    let admin = cached && (await this.adminAlive(backend.id, cached)) ? cached : undefined;
    if (!admin) {
      await cached?.close();
      admin = await openAdmin(backend, await this.secret(backend), { timeouts: this.timeouts });
      this.admins.set(backend.id, admin);
    }
    try {
      return await fn(admin);
    } finally {
      this.adminUsedAt.set(backend.id, Date.now());
    }
  }

  /** A session idle for a while may have been dropped (socket timeout): ask before reuse. */
  private async adminAlive(backendId: number, admin: CyrusAdminSession): Promise<boolean> {
    if (!admin.usable) return false;
    if (Date.now() - (this.adminUsedAt.get(backendId) ?? 0) < IDLE_CHECK_MS) return true;
    try {
      await admin.noop();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * ManageSieve as the owner, kept for the run (a login costs ~50 ms, and the freeze window
   * counts); null when the backend has no sieve port configured.
   */
  async sieve(backend: Backend): Promise<SieveClient | null> {
    if (backend.sievePort === null) return null;
    const cached = this.sieves.get(backend.id);
    if (
      cached &&
      (Date.now() - cached.lastUsedAt < IDLE_CHECK_MS ? cached.usable : await cached.alive())
    ) {
      return cached;
    }
    cached?.destroy();
    const client = await SieveClient.connect(
      {
        name: backend.name,
        host: backend.imapHost,
        port: backend.sievePort,
        tlsMode: backend.tlsMode,
        tlsVerify: backend.tlsVerify,
      },
      { user: backend.adminUser, pass: await this.secret(backend), authzid: this.address },
      { timeoutMs: this.timeouts.socketTimeoutMs },
    );
    this.sieves.set(backend.id, client);
    return client;
  }

  /**
   * Ends the ManageSieve sessions. Cyrus' timsieved, logged in for a user without scripts,
   * holds a lock that makes SETQUOTA on the user's root wait until it exits (verified on 3.6.1,
   * a SETQUOTA hung for minutes): never leave one open across a copy or a quota change.
   */
  async closeSieves(): Promise<void> {
    const sieves = [...this.sieves.values()];
    this.sieves.clear();
    await Promise.all(sieves.map((s) => s.logout()));
  }

  /** Drops the source connections (they die anyway when the owner is denied on the source). */
  async closeSource(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.src.close()));
    const sieve = this.sieves.get(this.source.id);
    this.sieves.delete(this.source.id);
    await sieve?.logout();
  }

  async close(): Promise<void> {
    const lanes = this.lanes;
    this.lanes = [];
    const admins = [...this.admins.values()];
    const sieves = [...this.sieves.values()];
    this.admins.clear();
    this.sieves.clear();
    await Promise.all([
      ...lanes.map(closeLane),
      ...admins.map((a) => a.close()),
      ...sieves.map((s) => s.logout()),
    ]);
    this.secrets.clear();
  }
}

/** Sessions idle longer than this are checked with a NOOP before they are used again. */
const IDLE_CHECK_MS = 15_000;

async function sessionAlive(s: TransferSession): Promise<boolean> {
  if (!s.usable) return false;
  return Date.now() - s.lastUsedAt < IDLE_CHECK_MS || s.alive();
}

async function laneAlive(lane: Lane): Promise<boolean> {
  const [src, dst] = await Promise.all([sessionAlive(lane.src), sessionAlive(lane.dst)]);
  return src && dst;
}

async function closeLane(lane: Lane): Promise<void> {
  await Promise.all([lane.src.close(), lane.dst.close()]);
}
