import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ROOST_ENV, RoostEnv } from '../config/env';

/** The header every mail-auth caller (nginx, the backends' PAM check, webmail) sends. */
export const MAIL_AUTH_SECRET_HEADER = 'X-Roost-Mail-Auth';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The mail-auth endpoints are not for admins: no session, no token, only the shared secret
 * ROOST_MAIL_AUTH_SECRET in the X-Roost-Mail-Auth header, compared in constant time.
 */
@Injectable()
export class MailAuthSecretGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(ROOST_ENV) env: RoostEnv) {
    this.expected = env.ROOST_MAIL_AUTH_SECRET ? digest(env.ROOST_MAIL_AUTH_SECRET) : null;
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (!this.expected) {
      throw new ServiceUnavailableException(
        'the mail-auth endpoints are off: ROOST_MAIL_AUTH_SECRET is not set',
      );
    }
    const sent = ctx.switchToHttp().getRequest<Request>().headers['x-roost-mail-auth'];
    // Equal-length digests: the comparison time says nothing about the secret or its length.
    if (typeof sent !== 'string' || !timingSafeEqual(digest(sent), this.expected)) {
      throw new ForbiddenException(`missing or wrong ${MAIL_AUTH_SECRET_HEADER} header`);
    }
    return true;
  }
}
