import type { INestApplication } from '@nestjs/common';
import { createApp } from '@roost/api';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

// The real Roost API listening on loopback, for the programs that call it over HTTP
// (nginx's auth_http, the backends' PAM check, curl).

export interface RunningApi {
  app: INestApplication;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** ROOST_MAIL_AUTH_SECRET */
  secret: string;
  /** ROOST_QUEUE_PREFIX: every Redis key of this API starts with it. */
  prefix: string;
  nginxAuthUrl: string;
  verifyUrl: string;
  lookupUrl: string;
  close(): Promise<void>;
}

export interface StartApiOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Default: random (base64url, so nginx and curl configs can hold it as it is). */
  secret?: string;
  env?: Record<string, string>;
}

export async function startRoostApi(opts: StartApiOptions): Promise<RunningApi> {
  const secret = opts.secret ?? randomBytes(24).toString('base64url');
  const prefix = `roost-routing-${randomBytes(4).toString('hex')}`;
  const app = await createApp(
    {
      DATABASE_URL: opts.databaseUrl,
      REDIS_URL: opts.redisUrl,
      ROOST_QUEUE_PREFIX: prefix,
      ROOST_MAIL_AUTH_SECRET: secret,
      ROOST_SECRET_KEY: randomBytes(32).toString('base64'),
      ...opts.env,
    },
    { logger: ['error'] },
  );
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    secret,
    prefix,
    nginxAuthUrl: `${baseUrl}/api/mail-auth/nginx`,
    verifyUrl: `${baseUrl}/api/mail-auth/verify`,
    lookupUrl: `${baseUrl}/api/mail-auth/lookup`,
    async close() {
      await app.close();
      await clearRedisPrefix(opts.redisUrl, prefix);
    },
  };
}

async function clearRedisPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
