import { Injectable } from '@nestjs/common';
import { generateSecret, generateURI, verify } from 'otplib';
import { RedisService } from '../redis/redis.module';

const PENDING_TTL_S = 600;

/** TOTP (RFC 6238, 30 s, 6 digits) with otplib's async API; a code is accepted once. */
@Injectable()
export class TotpService {
  constructor(private readonly redis: RedisService) {}

  /** Starts an enrolment: the secret waits in Redis until a first code confirms it. */
  async begin(adminId: number, username: string): Promise<{ secret: string; uri: string }> {
    const secret = generateSecret();
    await this.redis.client.set(
      this.redis.key('totp-pending', String(adminId)),
      secret,
      'EX',
      PENDING_TTL_S,
    );
    return { secret, uri: generateURI({ issuer: 'Roost', label: username, secret }) };
  }

  async pending(adminId: number): Promise<string | null> {
    return this.redis.client.get(this.redis.key('totp-pending', String(adminId)));
  }

  async clearPending(adminId: number): Promise<void> {
    await this.redis.client.del(this.redis.key('totp-pending', String(adminId)));
  }

  /** Checks a code (one step of clock drift either way) and refuses a replayed one. */
  async check(adminId: number, secret: string, code: string): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    const result = await verify({ secret, token: code, epochTolerance: 30 }).catch(() => ({
      valid: false,
    }));
    if (!result.valid) return false;
    const fresh = await this.redis.client.set(
      this.redis.key('totp-used', String(adminId), code),
      '1',
      'EX',
      120,
      'NX',
    );
    return fresh === 'OK';
  }
}
