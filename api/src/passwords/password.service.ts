import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import {
  hashPassword,
  isParsedHash,
  needsRehash,
  parseHash,
  ParsedHash,
  verifyParsed,
} from './password-hash';
import { generatePassword, passwordWeakness, StrengthContext } from './password-strength';

export interface VerifyResult {
  ok: boolean;
  /** The password was right and the stored hash should be replaced by `hash(password)`. */
  needsRehash: boolean;
}

/**
 * The one place that hashes and checks passwords, for admins and mail users alike
 * (the mail-auth endpoint reuses it). Never logs a password or a hash.
 */
@Injectable()
export class PasswordService implements OnModuleInit {
  private dummy: ParsedHash | undefined;

  async onModuleInit(): Promise<void> {
    const parsed = parseHash(await hashPassword(randomBytes(16).toString('hex')));
    if (isParsedHash(parsed)) this.dummy = parsed;
  }

  hash(password: string): Promise<string> {
    return hashPassword(password);
  }

  async verify(stored: string, password: string): Promise<VerifyResult> {
    const parsed = parseHash(stored);
    if (!isParsedHash(parsed)) {
      await this.verifyDummy(password);
      return { ok: false, needsRehash: false };
    }
    const ok = await verifyParsed(parsed, password).catch(() => false);
    return { ok, needsRehash: ok && needsRehash(stored) };
  }

  /** Spends the time of one argon2id verification, so unknown users answer as slowly as known ones. */
  async verifyDummy(password: string): Promise<void> {
    if (this.dummy) await verifyParsed(this.dummy, password).catch(() => false);
  }

  /** Why an imported hash cannot be used, or null. */
  importError(stored: string): string | null {
    const parsed = parseHash(stored);
    return isParsedHash(parsed) ? null : parsed.error;
  }

  weakness(password: string, ctx?: StrengthContext): string | null {
    return passwordWeakness(password, ctx);
  }

  generate(): string {
    return generatePassword();
  }
}
