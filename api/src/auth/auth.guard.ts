import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Role } from '@roost/core';
import { ROOST_ENV, RoostEnv } from '../config/env';
import { Actor, PUBLIC_KEY, ROLES_KEY, RoostRequest, TOTP_ENROLMENT_KEY } from './actor';
import { CredentialCache } from './credential-cache';
import { CredentialRepository } from './credential.repository';
import { digest } from './secret';

export const SESSION_COOKIE = 'roost_session';

/**
 * Authorization in one place: every route declares `@Roles(...)` or `@Public()`; anything else
 * is refused. Resolves the actor from the session cookie or a `Bearer` API token.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialRepository,
    private readonly cache: CredentialCache,
    @Inject(ROOST_ENV) private readonly env: RoostEnv,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles || roles.length === 0)
      throw new ForbiddenException('this route has no access policy');

    const req = ctx.switchToHttp().getRequest<RoostRequest>();
    const actor = await this.resolve(req);
    if (!actor) throw new UnauthorizedException('sign in first');
    req.actor = actor;
    if (
      actor.mustEnrolTotp &&
      !this.reflector.getAllAndOverride<boolean>(TOTP_ENROLMENT_KEY, targets)
    )
      throw new ForbiddenException('enrol a TOTP authenticator first (POST /api/auth/totp/enrol)');
    if (!roles.includes(actor.role)) throw new ForbiddenException('your role may not do this');
    return true;
  }

  private secretOf(req: RoostRequest): string | null {
    const header = req.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
    const cookies = req.cookies as Record<string, unknown> | undefined;
    const cookie = cookies?.[SESSION_COOKIE];
    return typeof cookie === 'string' && cookie.length > 0 ? cookie : null;
  }

  private async resolve(req: RoostRequest): Promise<Actor | null> {
    const secret = this.secretOf(req);
    if (!secret || secret.length > 200) return null;
    const hash = digest(secret);
    let owner = this.cache.get(hash);
    if (!owner) {
      owner = (await this.credentials.findValid(hash)) ?? undefined;
      if (!owner) return null;
      this.cache.set(hash, owner);
    }
    // Sliding expiry: at most one write a minute per credential.
    const minuteAgo = Date.now() - 60_000;
    if (!owner.lastUsedAt || owner.lastUsedAt.getTime() < minuteAgo) {
      owner.lastUsedAt = new Date();
      await this.credentials.touch(
        owner.credentialId,
        owner.kind,
        this.env.ROOST_SESSION_IDLE_MINUTES,
      );
    }
    const all = owner.role === Role.Superadmin || owner.role === Role.Ops;
    return {
      id: owner.adminId,
      username: owner.username,
      role: owner.role,
      domainIds: all ? 'all' : owner.domainIds,
      credentialId: owner.credentialId,
      credentialKind: owner.kind,
      mustEnrolTotp: owner.totpRequired && !owner.totpEnrolled,
      ip: req.ip ?? null,
    };
  }
}
