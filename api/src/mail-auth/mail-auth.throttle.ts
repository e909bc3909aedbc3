import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { RedisService } from '../redis/redis.module';

/**
 * Failed mail logins counted in Redis, shared by every API process: per login name (known or
 * not) and per client IP. The counters live for a fixed window from the first failure.
 */
export const MAIL_AUTH_THROTTLE = {
  maxFailuresPerUser: 10,
  maxFailuresPerIp: 100,
  windowSeconds: 600,
} as const;

/** Redis must not slow every login down when it is unwell: past this, the throttle is skipped. */
const REDIS_TIMEOUT_MS = 300;

export interface ThrottleState {
  blocked: boolean;
  userFailures: number;
}

@Injectable()
export class MailAuthThrottle {
  private readonly logger = new Logger('MailAuthThrottle');
  private lastOutageLog = 0;

  constructor(private readonly redis: RedisService) {}

  private userKey(user: string): string {
    const id = createHash('sha256').update(user, 'utf8').digest('hex').slice(0, 32);
    return this.redis.key('mail-auth', 'fail', 'user', id);
  }

  private ipKey(ip: string): string {
    return this.redis.key('mail-auth', 'fail', 'ip', ip);
  }

  /** Fails open (with a logged warning) when Redis does not answer in time: mail keeps working. */
  async check(user: string, ip: string | null): Promise<ThrottleState> {
    const keys = ip ? [this.userKey(user), this.ipKey(ip)] : [this.userKey(user)];
    const counts = await this.bounded(this.redis.client.mget(...keys));
    if (!counts) return { blocked: false, userFailures: 0 };
    const [byUser, byIp] = counts.map((c) => Number(c ?? 0));
    const blocked =
      byUser >= MAIL_AUTH_THROTTLE.maxFailuresPerUser ||
      (byIp ?? 0) >= MAIL_AUTH_THROTTLE.maxFailuresPerIp;
    return { blocked, userFailures: byUser };
  }

  async fail(user: string, ip: string | null): Promise<void> {
    const window = MAIL_AUTH_THROTTLE.windowSeconds;
    const multi = this.redis.client.multi();
    for (const key of ip ? [this.userKey(user), this.ipKey(ip)] : [this.userKey(user)]) {
      multi.incr(key).expire(key, window, 'NX');
    }
    await this.bounded(multi.exec());
  }

  /**
   * How long nginx has been holding this login with WAIT (0 on the first ask): the first WAIT
   * for (user, client IP, protocol) stores its time for `keepSeconds`. 0 when Redis is away.
   */
  async heldSeconds(
    user: string,
    ip: string | null,
    protocol: string,
    keepSeconds: number,
  ): Promise<number> {
    const id = createHash('sha256')
      .update(`${user}\0${ip ?? ''}\0${protocol}`, 'utf8')
      .digest('hex')
      .slice(0, 32);
    const key = this.redis.key('mail-auth', 'hold', id);
    const now = Date.now();
    const first = await this.bounded(
      this.redis.client.set(key, String(now), 'EX', keepSeconds, 'NX', 'GET'),
    );
    const since = first ? Number(first) : now;
    return Number.isFinite(since) ? Math.max(0, (now - since) / 1000) : 0;
  }

  async clearUser(user: string): Promise<void> {
    await this.bounded(this.redis.client.del(this.userKey(user)));
  }

  private async bounded<T>(op: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), REDIS_TIMEOUT_MS);
    });
    try {
      const result = await Promise.race([op.catch(() => undefined), timeout]);
      if (result === undefined) this.outage();
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  private outage(): void {
    if (Date.now() - this.lastOutageLog < 60_000) return;
    this.lastOutageLog = Date.now();
    this.logger.warn('Redis did not answer: mail logins are not throttled until it does');
  }
}
