import { Redis } from 'ioredis';

/**
 * BullMQ workers block on Redis and must never give up a command: `maxRetriesPerRequest: null`
 * is required (BullMQ refuses a worker connection without it).
 */
export function createRedisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}
