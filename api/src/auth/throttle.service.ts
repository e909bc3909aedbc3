import { HttpStatus, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ROOST_ENV, RoostEnv } from '../config/env';
import { ApiError } from '../common/api-error';
import { RedisService } from '../redis/redis.module';

/**
 * Failure counters in Redis, shared by every API process: per account and per client IP.
 * Once either reaches its limit, attempts answer 429 until the window expires, whether or
 * not the account exists.
 */
@Injectable()
export class ThrottleService {
  constructor(
    private readonly redis: RedisService,
    @Inject(ROOST_ENV) private readonly env: RoostEnv,
  ) {}

  private keys(scope: string, account: string, ip: string | null): [string, string] {
    const acct = createHash('sha256').update(account).digest('hex').slice(0, 32);
    return [
      this.redis.key('throttle', scope, 'acct', acct),
      this.redis.key('throttle', scope, 'ip', ip ?? 'unknown'),
    ];
  }

  async check(scope: string, account: string, ip: string | null): Promise<void> {
    const [acctKey, ipKey] = this.keys(scope, account, ip);
    let counts: (string | null)[];
    let ttl: number;
    try {
      counts = await this.redis.client.mget(acctKey, ipKey);
      ttl = Math.max(await this.redis.client.ttl(acctKey), await this.redis.client.ttl(ipKey), 1);
    } catch {
      throw new ServiceUnavailableException(
        'login is unavailable: the throttle store is unreachable',
      );
    }
    const [acct, byIp] = counts.map((c) => Number(c ?? 0));
    if (
      acct >= this.env.ROOST_LOGIN_MAX_FAILURES_PER_ACCOUNT ||
      byIp >= this.env.ROOST_LOGIN_MAX_FAILURES_PER_IP
    ) {
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'too many failed attempts, try again later',
        [],
        {
          retryAfterSeconds: ttl,
        },
      );
    }
  }

  async fail(scope: string, account: string, ip: string | null): Promise<void> {
    const window = this.env.ROOST_LOGIN_WINDOW_SECONDS;
    await this.redis.client
      .multi()
      .incr(this.keys(scope, account, ip)[0])
      .expire(this.keys(scope, account, ip)[0], window, 'NX')
      .incr(this.keys(scope, account, ip)[1])
      .expire(this.keys(scope, account, ip)[1], window, 'NX')
      .exec()
      .catch(() => undefined);
  }

  async succeed(scope: string, account: string, ip: string | null): Promise<void> {
    await this.redis.client.del(this.keys(scope, account, ip)[0]).catch(() => 0);
  }
}
