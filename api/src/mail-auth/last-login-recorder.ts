import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { MailAuthRepository } from './mail-auth.repository';

/** How long login times wait in memory before one UPDATE writes them all. */
const FLUSH_INTERVAL_MS = 1000;
const MAX_PENDING = 2000;

/**
 * Records `last_login_at` for many logins with one UPDATE a second instead of one per login:
 * a morning login storm would otherwise cost a write (and a WAL flush) per login. Pending times
 * are written at shutdown; a crash loses at most a second of them, which only support reads.
 */
@Injectable()
export class LastLoginRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger('LastLogin');
  private pending = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly repo: MailAuthRepository) {}

  record(mailboxId: number): void {
    this.pending.add(mailboxId);
    if (this.pending.size >= MAX_PENDING) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  /** Writes what is pending; never throws (a failed write is logged and dropped). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return this.flushing;
    const ids = [...this.pending];
    this.pending = new Set();
    this.flushing = this.flushing
      .then(() => this.repo.touchLastLogins(ids))
      .catch((err: unknown) => {
        this.logger.warn(`could not record ${ids.length} last-login times: ${String(err)}`);
      });
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
