import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { ROOST_ENV, RoostEnv } from '../config/env';

/** The API's Redis connection for counters (login throttle, TOTP replay). BullMQ has its own. */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;
  readonly prefix: string;

  constructor(@Inject(ROOST_ENV) env: RoostEnv) {
    this.client = new Redis(env.REDIS_URL, {
      maxRetriesPerRequest: 1,
      connectTimeout: 3000,
      enableOfflineQueue: true,
    });
    // A Redis outage shows as failing requests and a down health check, not a crashed process.
    this.client.on('error', () => undefined);
    this.prefix = env.ROOST_QUEUE_PREFIX;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
export class RedisModule {}
