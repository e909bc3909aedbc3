import { Inject, Injectable } from '@nestjs/common';
import { generateSecret, generateURI, verify } from 'otplib';
import { ROOST_ENV, RoostEnv } from '../config/env';
import { RedisService } from '../redis/redis.module';
import { previousSecretKeys, SecretBox } from './secret-box';

const PENDING_TTL_S = 600;

/** Authenticated data of an admin's sealed seed: it opens for that admin's row only. */
export const totpContext = (adminId: number) => `totp:${adminId}`;

/**
 * TOTP (RFC 6238, 30 s, 6 digits) with otplib's async API; a code is accepted once.
 * Seeds are kept sealed (AES-256-GCM under ROOST_SECRET_KEY, bound to the admin's id), in
 * `admins.totp_secret` and while an enrolment waits in Redis.
 */
@Injectable()
export class TotpService {
  private readonly box: SecretBox;

  constructor(
    private readonly redis: RedisService,
    @Inject(ROOST_ENV) env: RoostEnv,
  ) {
    this.box = new SecretBox(env.ROOST_SECRET_KEY, previousSecretKeys(env));
  }

  /** The form of a seed that is stored for this admin. */
  seal(adminId: number, secret: string): string {
    return this.box.seal(secret, totpContext(adminId));
  }

  /**
   * The seed from its stored form. `stale: true` for a seed stored in clear (before encryption)
   * or sealed under a previous key: the caller seals it again.
   */
  open(adminId: number, stored: string): { secret: string; stale: boolean } {
    const { plaintext, stale } = this.box.read(stored, totpContext(adminId));
    return { secret: plaintext, stale };
  }

  /** Starts an enrolment: the secret waits in Redis until a first code confirms it. */
  async begin(adminId: number, username: string): Promise<{ secret: string; uri: string }> {
    const secret = generateSecret();
    await this.redis.client.set(
      this.redis.key('totp-pending', String(adminId)),
      this.seal(adminId, secret),
      'EX',
      PENDING_TTL_S,
    );
    return { secret, uri: generateURI({ issuer: 'Roost', label: username, secret }) };
  }

  async pending(adminId: number): Promise<string | null> {
    const stored = await this.redis.client.get(this.redis.key('totp-pending', String(adminId)));
    return stored === null ? null : this.open(adminId, stored).secret;
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
