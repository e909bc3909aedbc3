import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Role } from '@roost/core';
import type { Request } from 'express';

/** Who is asking, resolved once per request by the auth guard. Services filter by it. */
export interface Actor {
  id: number;
  username: string;
  role: Role;
  /** The domains this admin may see, or 'all' for superadmin and ops. */
  domainIds: number[] | 'all';
  credentialId: number;
  credentialKind: 'session' | 'api-token';
  /** TOTP is required but not yet enrolled: only enrolment routes are open. */
  mustEnrolTotp: boolean;
  ip: string | null;
}

/** Audit context of a request made by no admin (a mail user, the CLI). */
export interface Caller {
  id: number | null;
  username: string;
  role: string;
  ip: string | null;
}

export interface RoostRequest extends Request {
  actor?: Actor;
}

export function inScope(actor: Actor, domainId: number): boolean {
  return actor.domainIds === 'all' || actor.domainIds.includes(domainId);
}

/** SQL-ready scope: null for all domains, else the list (possibly empty). */
export function scopeIds(actor: Actor): number[] | null {
  return actor.domainIds === 'all' ? null : actor.domainIds;
}

export const ROLES_KEY = 'roost:roles';
export const PUBLIC_KEY = 'roost:public';
export const TOTP_ENROLMENT_KEY = 'roost:totp-enrolment';

/** The roles that may call a route. A route without `@Roles` or `@Public` is refused. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** A route anyone may call (login, health, a mail user's own password change). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/** A route an admin who still has to enrol TOTP may call. */
export const AllowDuringTotpEnrolment = () => SetMetadata(TOTP_ENROLMENT_KEY, true);

export const ALL_ROLES = [Role.Superadmin, Role.Ops, Role.DomainAdmin, Role.Support] as const;

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<RoostRequest>();
  if (!req.actor) throw new Error('CurrentActor used on a route without an authenticated actor');
  return req.actor;
});

/** The client address of the request, for audit and throttling. */
export const ClientIp = createParamDecorator((_: unknown, ctx: ExecutionContext): string | null => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return req.ip ?? null;
});

export function callerOf(actor: Actor): Caller {
  return { id: actor.id, username: actor.username, role: actor.role, ip: actor.ip };
}
