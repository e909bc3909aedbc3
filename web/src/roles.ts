import { Role } from '@roost/core';

export { Role };

/** What `authProvider.getPermissions()` returns (from GET /api/auth/me). */
export interface Permissions {
  role: Role;
  /** The domains this admin may see, or 'all' (superadmin, ops). */
  domainIds: number[] | 'all';
  /** TOTP is required but not enrolled yet: only the account page works. */
  mustEnrolTotp: boolean;
}

export const isRole = (p: Permissions | undefined, ...roles: Role[]) =>
  !!p && roles.includes(p.role);

/** DESIGN §6: who may create, edit and delete mailboxes and aliases. */
export const canEditMail = (p: Permissions | undefined) =>
  isRole(p, Role.Superadmin, Role.DomainAdmin);

/** DESIGN §6: password resets and unlocks. */
export const canResetPasswords = (p: Permissions | undefined) =>
  isRole(p, Role.Superadmin, Role.DomainAdmin, Role.Support);

/** DESIGN §6: backends, moves and rebalancing. */
export const isOps = (p: Permissions | undefined) => isRole(p, Role.Superadmin, Role.Ops);

export const ROLE_CHOICES = [
  { id: Role.Superadmin, name: 'Superadmin' },
  { id: Role.Ops, name: 'Ops' },
  { id: Role.DomainAdmin, name: 'Domain admin' },
  { id: Role.Support, name: 'Support' },
];
