import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Role } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { AdminRepository } from '../admins/admin.repository';
import { AuditService } from '../audit/audit.service';
import { ApiError, badRequest, conflict, notFound } from '../common/api-error';
import { ROOST_ENV, RoostEnv } from '../config/env';
import { PasswordService } from '../passwords/password.service';
import { Actor, callerOf } from './actor';
import { CredentialCache } from './credential-cache';
import { CredentialRepository, TokenRow } from './credential.repository';
import { digest, newSecret } from './secret';
import { ThrottleService } from './throttle.service';
import { TotpService } from './totp.service';

export interface Me {
  id: number;
  username: string;
  role: string;
  domainIds: number[] | 'all';
  totpEnrolled: boolean;
  totpRequired: boolean;
  mustEnrolTotp: boolean;
  via: 'session' | 'api-token';
}

const SCOPE = 'admin-login';

function unauthorized(extra: object = {}): ApiError {
  return new ApiError(HttpStatus.UNAUTHORIZED, 'wrong username, password or code', [], extra);
}

@Injectable()
export class AuthService {
  constructor(
    private readonly ds: DataSource,
    private readonly admins: AdminRepository,
    private readonly credentials: CredentialRepository,
    private readonly cache: CredentialCache,
    private readonly passwords: PasswordService,
    private readonly throttle: ThrottleService,
    private readonly totp: TotpService,
    private readonly audit: AuditService,
    @Inject(ROOST_ENV) private readonly env: RoostEnv,
  ) {}

  /** Runs a transaction that changes credentials or admins, then forgets cached credential owners. */
  private async committed<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.ds.transaction(fn);
    this.cache.clear();
    return result;
  }

  /**
   * Checks username, password and (when enrolled) a TOTP code, then opens a session.
   * Every failure answers the same 401; an unknown user costs the same argon2 time.
   */
  async login(
    input: { username: string; password: string; totp?: string },
    ip: string | null,
  ): Promise<{ secret: string; expiresAt: Date; me: Me }> {
    const username = input.username.trim().toLowerCase();
    await this.throttle.check(SCOPE, username, ip);
    const admin = await this.admins.findForLogin(username);
    if (!admin || !admin.active) {
      await this.passwords.verifyDummy(input.password);
      await this.throttle.fail(SCOPE, username, ip);
      throw unauthorized();
    }
    const check = await this.passwords.verify(admin.passwordHash, input.password);
    if (!check.ok) {
      await this.throttle.fail(SCOPE, username, ip);
      throw unauthorized();
    }
    let resealTotp: string | undefined;
    if (admin.totpSecret) {
      if (!input.totp) throw unauthorized({ totpRequired: true });
      const seed = this.totp.open(admin.id, admin.totpSecret);
      if (!(await this.totp.check(admin.id, seed.secret, input.totp))) {
        await this.throttle.fail(SCOPE, username, ip);
        throw unauthorized({ totpRequired: true });
      }
      // A seed stored in clear, or under a previous key, is sealed under the current key.
      if (seed.stale) resealTotp = this.totp.seal(admin.id, seed.secret);
    }
    await this.throttle.succeed(SCOPE, username, ip);
    if (check.needsRehash)
      await this.admins.update(this.ds.manager, admin.id, {
        passwordHash: await this.passwords.hash(input.password),
      });
    if (resealTotp && admin.totpSecret)
      await this.admins.replaceTotpSecret(admin.id, admin.totpSecret, resealTotp);
    await this.admins.recordLogin(admin.id);

    const secret = newSecret('rs');
    const expiresAt = new Date(Date.now() + this.env.ROOST_SESSION_IDLE_MINUTES * 60_000);
    const row = await this.credentials.create(this.ds.manager, {
      adminId: admin.id,
      kind: 'session',
      name: 'browser session',
      secretHash: digest(secret),
      prefix: secret.slice(0, 8),
      expiresAt,
    });
    const me = await this.meById(admin.id, row.id, 'session');
    return { secret, expiresAt, me };
  }

  async logout(actor: Actor): Promise<void> {
    await this.credentials.revoke(this.ds.manager, actor.credentialId, actor.id);
  }

  private async meById(
    id: number,
    _credentialId: number,
    via: 'session' | 'api-token',
  ): Promise<Me> {
    const a = await this.admins.findById(id);
    if (!a) throw notFound('admin');
    const all = a.role === Role.Superadmin || a.role === Role.Ops;
    return {
      id: a.id,
      username: a.username,
      role: a.role,
      domainIds: all ? 'all' : a.domainIds,
      totpEnrolled: a.totpEnrolled,
      totpRequired: a.totpRequired,
      mustEnrolTotp: a.totpRequired && !a.totpEnrolled,
      via,
    };
  }

  me(actor: Actor): Promise<Me> {
    return this.meById(actor.id, actor.credentialId, actor.credentialKind);
  }

  async changeOwnPassword(actor: Actor, current: string, next: string): Promise<void> {
    const admin = await this.admins.secretsById(actor.id);
    if (!admin) throw notFound('admin');
    await this.throttle.check(SCOPE, admin.username, actor.ip);
    if (!(await this.passwords.verify(admin.passwordHash, current)).ok) {
      await this.throttle.fail(SCOPE, admin.username, actor.ip);
      throw badRequest('currentPassword', 'is wrong');
    }
    const weak = this.passwords.weakness(next, { localPart: admin.username });
    if (weak) throw badRequest('newPassword', weak);
    const hash = await this.passwords.hash(next);
    await this.committed(async (em) => {
      // Other sessions end; this one and the API tokens stay (update() clears the credential cache).
      await this.admins.update(em, actor.id, { passwordHash: hash });
      await em.query(
        `UPDATE admin_credentials SET revoked_at = now()
          WHERE admin_id = $1 AND kind = 'session' AND revoked_at IS NULL AND id <> $2`,
        [actor.id, actor.credentialId],
      );
      await this.audit.record(em, callerOf(actor), {
        action: 'admin.password-change',
        targetType: 'admin',
        targetId: actor.id,
      });
    });
  }

  async beginTotp(actor: Actor): Promise<{ secret: string; uri: string }> {
    const admin = await this.admins.secretsById(actor.id);
    if (admin?.totpSecret) throw conflict('totp', 'is already enrolled; remove it first');
    return this.totp.begin(actor.id, actor.username);
  }

  async confirmTotp(actor: Actor, code: string): Promise<Me> {
    const secret = await this.totp.pending(actor.id);
    if (!secret) throw badRequest('code', 'has no enrolment to confirm; start one first');
    if (!(await this.totp.check(actor.id, secret, code))) throw badRequest('code', 'is wrong');
    await this.committed(async (em) => {
      await this.admins.update(em, actor.id, { totpSecret: this.totp.seal(actor.id, secret) });
      await this.audit.record(em, callerOf(actor), {
        action: 'admin.totp-enrol',
        targetType: 'admin',
        targetId: actor.id,
      });
    });
    await this.totp.clearPending(actor.id);
    return this.me(actor);
  }

  async removeTotp(actor: Actor, code: string): Promise<Me> {
    const admin = await this.admins.secretsById(actor.id);
    if (!admin?.totpSecret) throw conflict('totp', 'is not enrolled');
    if (admin.totpRequired) throw conflict('totp', 'is required for this account');
    const seed = this.totp.open(actor.id, admin.totpSecret);
    if (!(await this.totp.check(actor.id, seed.secret, code))) throw badRequest('code', 'is wrong');
    await this.committed(async (em) => {
      await this.admins.update(em, actor.id, { totpSecret: null });
      await this.audit.record(em, callerOf(actor), {
        action: 'admin.totp-remove',
        targetType: 'admin',
        targetId: actor.id,
      });
    });
    return this.me(actor);
  }

  listTokens(actor: Actor): Promise<TokenRow[]> {
    return this.credentials.listTokens(actor.id);
  }

  async createToken(
    actor: Actor,
    name: string,
    expiresInDays?: number,
  ): Promise<TokenRow & { token: string }> {
    const token = newSecret('rt');
    const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
    const row = await this.ds.transaction(async (em) => {
      const created = await this.credentials.create(em, {
        adminId: actor.id,
        kind: 'api-token',
        name,
        secretHash: digest(token),
        prefix: token.slice(0, 10),
        expiresAt,
      });
      await this.audit.record(em, callerOf(actor), {
        action: 'admin.token-create',
        targetType: 'admin-token',
        targetId: created.id,
        after: { name, expiresAt, prefix: created.prefix },
      });
      return created;
    });
    return { ...row, token };
  }

  async revokeToken(actor: Actor, id: number): Promise<TokenRow> {
    const row = await this.credentials.findToken(actor.id, id);
    if (!row || row.revokedAt) throw notFound('token');
    await this.committed(async (em) => {
      await this.credentials.revoke(em, id, actor.id);
      await this.audit.record(em, callerOf(actor), {
        action: 'admin.token-revoke',
        targetType: 'admin-token',
        targetId: id,
      });
    });
    return { ...row, revokedAt: new Date() };
  }
}
