import type { AuthProvider, UserIdentity } from 'react-admin';
import { HttpError } from 'react-admin';
import { apiFetch } from './api';
import type { Permissions } from './roles';
import { Role } from './roles';

/** GET /api/auth/me (api/src/auth/auth.service.ts `Me`). */
export interface Me {
  id: number;
  username: string;
  role: Role;
  domainIds: number[] | 'all';
  totpEnrolled: boolean;
  totpRequired: boolean;
  mustEnrolTotp: boolean;
  via: 'session' | 'api-token';
}

/** The login form asks for a TOTP code when the API says so. */
export class TotpRequiredError extends Error {
  constructor(readonly wrongCode: boolean) {
    super(wrongCode ? 'Wrong code, try again' : 'Enter the code from your authenticator app');
  }
}

/** Where a lost session goes: the login page says why (a notification would vanish with the redirect). */
const EXPIRED = { redirectTo: '/login?expired=1', message: false } as const;

// The session is an httpOnly cookie the console cannot read: who is signed in is asked once and
// remembered until a 401 or a logout.
let me: Me | null = null;
/** Whether this tab was signed in: a lost session then says so, a first visit does not. */
let hadSession = false;
let pending: Promise<Me | null> | null = null;

export function currentMe(): Me | null {
  return me;
}

export function loadMe(force = false): Promise<Me | null> {
  if (me && !force) return Promise.resolve(me);
  if (!pending)
    pending = apiFetch<Me>('/auth/me')
      .then((m) => {
        hadSession = true;
        return (me = m);
      })
      .catch((err: unknown) => {
        if (err instanceof HttpError && err.status === 401) return (me = null);
        throw err;
      })
      .finally(() => (pending = null));
  return pending;
}

export const authProvider: AuthProvider = {
  async login(params: { username: string; password: string; totp?: string }) {
    try {
      me = await apiFetch<Me>('/auth/login', {
        body: {
          username: params.username,
          password: params.password,
          ...(params.totp ? { totp: params.totp } : {}),
        },
      });
    } catch (err) {
      const body = (err as HttpError).body as { totpRequired?: boolean } | undefined;
      if (err instanceof HttpError && err.status === 401 && body?.totpRequired)
        throw new TotpRequiredError(!!params.totp);
      if (err instanceof HttpError && err.status === 429)
        throw new Error('Too many attempts; wait a few minutes and retry');
      throw err;
    }
    hadSession = true;
  },

  async logout() {
    const was = me;
    me = null;
    hadSession = false;
    if (was) await apiFetch('/auth/logout', { method: 'POST', body: {} }).catch(() => undefined);
  },

  async checkAuth() {
    const m = await loadMe();
    if (m) return;
    if (hadSession) throw EXPIRED;
    throw { redirectTo: '/login', message: false };
  },

  checkError(error: { status?: number }) {
    if (error?.status === 401) {
      me = null;
      return Promise.reject(EXPIRED);
    }
    // 403 is a role refusing a route: show it, stay signed in.
    return Promise.resolve();
  },

  async getPermissions(): Promise<Permissions | undefined> {
    const m = await loadMe();
    if (!m) return undefined;
    return { role: m.role, domainIds: m.domainIds, mustEnrolTotp: m.mustEnrolTotp };
  },

  async getIdentity(): Promise<UserIdentity> {
    const m = await loadMe();
    if (!m) throw EXPIRED;
    return { id: m.id, fullName: `${m.username} (${m.role})` };
  },
};
