import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { isParsedAddress, MailboxState, parseAddress, Role } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, Caller, callerOf } from '../auth/actor';
import { digest, newSecret } from '../auth/secret';
import { ThrottleService } from '../auth/throttle.service';
import { RedisService } from '../redis/redis.module';
import { AuditService } from '../audit/audit.service';
import { ApiError, badRequest, conflict } from '../common/api-error';
import { ROOST_ENV, RoostEnv } from '../config/env';
import { MailboxRepository, MailboxRow } from '../mailboxes/mailbox.repository';
import { MailboxService } from '../mailboxes/mailbox.service';
import { PasswordService } from '../passwords/password.service';
import { PasswordResetDto } from './mail-user.dto';
import { PasswordResetRepository } from './password-reset.repository';

const SCOPE = 'mail-password';

function wrongCredentials(): ApiError {
  return new ApiError(HttpStatus.UNAUTHORIZED, 'wrong address or password');
}

function mailUser(address: string, ip: string | null): Caller {
  return { id: null, username: address, role: 'mail-user', ip };
}

/**
 * Password resets of mail users by admins (temporary password or single-use link), and the
 * self-service change by the user (with the old password or a reset token). All audited.
 */
@Injectable()
export class MailUserService {
  constructor(
    private readonly ds: DataSource,
    private readonly mailboxes: MailboxRepository,
    private readonly mailboxService: MailboxService,
    private readonly resets: PasswordResetRepository,
    private readonly passwords: PasswordService,
    private readonly throttle: ThrottleService,
    private readonly redis: RedisService,
    private readonly audit: AuditService,
    @Inject(ROOST_ENV) private readonly env: RoostEnv,
  ) {}

  private strength(password: string, address: string): void {
    const at = address.lastIndexOf('@');
    const weak = this.passwords.weakness(password, {
      localPart: address.slice(0, at),
      domain: address.slice(at + 1),
    });
    if (weak) throw badRequest('newPassword', weak);
  }

  async reset(
    actor: Actor,
    mailboxId: number,
    dto: PasswordResetDto,
  ): Promise<
    | { mode: 'temporary'; password?: string; mustChange: true }
    | { mode: 'link'; url: string; expiresAt: Date }
  > {
    const reason = dto.reason?.trim();
    if (actor.role === Role.Support && (!reason || reason.length < 3))
      throw badRequest('reason', 'is required for support (a reason or ticket reference)');
    if (dto.mode === 'link' && dto.password !== undefined)
      throw badRequest('password', 'is only for mode temporary');
    const target = await this.mailboxService.visible(actor, mailboxId);
    if (target.state === MailboxState.Deleting) throw conflict('state', 'is deleting');

    if (dto.mode === 'temporary') {
      if (dto.password !== undefined) {
        const at = target.address.lastIndexOf('@');
        const weak = this.passwords.weakness(dto.password, {
          localPart: target.localPart,
          domain: target.address.slice(at + 1),
        });
        if (weak) throw badRequest('password', weak);
      }
      const password = dto.password ?? this.passwords.generate();
      const hash = await this.passwords.hash(password);
      await this.ds.transaction(async (em) => {
        const before = await this.mailboxService.visible(actor, mailboxId, em, true);
        const { row } = await this.mailboxes.change(em, mailboxId, {
          password_hash: hash,
          password_must_change: true,
        });
        await this.resets.spendAll(em, mailboxId);
        await this.audit.record(em, callerOf(actor), {
          action: 'mailbox.password-reset',
          targetType: 'mailbox',
          targetId: mailboxId,
          domainId: before.domainId,
          before: { passwordMustChange: before.passwordMustChange },
          after: { mode: 'temporary', passwordMustChange: row.passwordMustChange },
          reason,
        });
      });
      return dto.password === undefined
        ? { mode: 'temporary', password, mustChange: true }
        : { mode: 'temporary', mustChange: true };
    }

    const token = newSecret('rr');
    const expiresAt = new Date(Date.now() + this.env.ROOST_RESET_LINK_MINUTES * 60_000);
    await this.ds.transaction(async (em) => {
      const before = await this.mailboxService.visible(actor, mailboxId, em, true);
      await this.resets.spendAll(em, mailboxId);
      const id = await this.resets.create(em, {
        mailboxId,
        tokenHash: digest(token),
        expiresAt,
        createdBy: actor.id,
      });
      await this.audit.record(em, callerOf(actor), {
        action: 'mailbox.password-reset-link',
        targetType: 'mailbox',
        targetId: mailboxId,
        domainId: before.domainId,
        after: { mode: 'link', resetId: id, expiresAt },
        reason,
      });
    });
    // The token rides in the fragment, which browsers never send to a server (or its logs).
    const url = `${this.env.ROOST_PUBLIC_URL.replace(/\/$/, '')}/reset-password#token=${token}`;
    return { mode: 'link', url, expiresAt };
  }

  /**
   * Clears the failed-login counter the mail-auth endpoint keeps for this mailbox's login, so a
   * user locked out by too many failures can log in again at once (DESIGN §6 "unlock").
   * The key is MailAuthThrottle's per-login key; the e2e test checks the two stay in step.
   */
  async unlock(
    actor: Actor,
    mailboxId: number,
    reason: string | undefined,
  ): Promise<{ unlocked: true; failures: number }> {
    const why = reason?.trim();
    if (actor.role === Role.Support && (!why || why.length < 3))
      throw badRequest('reason', 'is required for support (a reason or ticket reference)');
    const target = await this.mailboxService.visible(actor, mailboxId);
    const id = createHash('sha256').update(target.address, 'utf8').digest('hex').slice(0, 32);
    const key = this.redis.key('mail-auth', 'fail', 'user', id);
    const failures = Number((await this.redis.client.getdel(key)) ?? 0);
    await this.audit.record(null, callerOf(actor), {
      action: 'mailbox.unlock',
      targetType: 'mailbox',
      targetId: mailboxId,
      domainId: target.domainId,
      after: { failuresCleared: failures },
      reason: why,
    });
    return { unlocked: true, failures };
  }

  private async setPassword(
    em: EntityManager,
    mailbox: MailboxRow,
    hash: string,
    caller: Caller,
    action: string,
  ): Promise<void> {
    await this.mailboxes.change(em, mailbox.id, {
      password_hash: hash,
      password_must_change: false,
    });
    await this.resets.spendAll(em, mailbox.id);
    await this.audit.record(em, caller, {
      action,
      targetType: 'mailbox',
      targetId: mailbox.id,
      domainId: mailbox.domainId,
      after: { passwordMustChange: false },
    });
  }

  /**
   * Checks a mail user's password (for login paths such as the mail-auth endpoint) and, after a
   * good password against a legacy or weaker hash, replaces it with a fresh argon2id hash.
   */
  async authenticate(
    address: string,
    password: string,
  ): Promise<{ ok: boolean; rehashed: boolean; mailboxId?: number }> {
    const parsed = parseAddress(address);
    const mailbox = isParsedAddress(parsed)
      ? await this.mailboxes.findByAddress(parsed.address)
      : null;
    const stored = mailbox ? await this.mailboxes.passwordHash(mailbox.id) : null;
    if (!mailbox || !stored) {
      await this.passwords.verifyDummy(password);
      return { ok: false, rehashed: false };
    }
    const result = await this.passwords.verify(stored, password);
    if (!result.ok) return { ok: false, rehashed: false };
    if (result.needsRehash) {
      const hash = await this.passwords.hash(password);
      // Only if nobody changed the password meanwhile; not an audited change of state.
      await this.ds.query(
        `UPDATE mailboxes SET password_hash = $2 WHERE id = $1 AND password_hash = $3`,
        [mailbox.id, hash, stored],
      );
    }
    return { ok: true, rehashed: result.needsRehash, mailboxId: mailbox.id };
  }

  /** A mail user changes their password with the current one; throttled like admin logins. */
  async change(address: string, current: string, next: string, ip: string | null): Promise<void> {
    const parsed = parseAddress(address);
    const key = isParsedAddress(parsed) ? parsed.address : address.toLowerCase();
    await this.throttle.check(SCOPE, key, ip);
    const mailbox = isParsedAddress(parsed)
      ? await this.mailboxes.findByAddress(parsed.address)
      : null;
    const stored = mailbox ? await this.mailboxes.passwordHash(mailbox.id) : null;
    const usable =
      mailbox &&
      stored &&
      mailbox.active &&
      ![MailboxState.Deleting, MailboxState.Suspended].includes(mailbox.state);
    if (!usable) {
      await this.passwords.verifyDummy(current);
      await this.throttle.fail(SCOPE, key, ip);
      throw wrongCredentials();
    }
    if (!(await this.passwords.verify(stored, current)).ok) {
      await this.throttle.fail(SCOPE, key, ip);
      throw wrongCredentials();
    }
    await this.throttle.succeed(SCOPE, key, ip);
    this.strength(next, mailbox.address);
    if ((await this.passwords.verify(stored, next)).ok)
      throw badRequest('newPassword', 'must differ from the current password');
    const hash = await this.passwords.hash(next);
    await this.ds.transaction(async (em) => {
      const locked = (await this.mailboxes.findById(mailbox.id, em, true))!;
      await this.setPassword(
        em,
        locked,
        hash,
        mailUser(mailbox.address, ip),
        'mailbox.password-change',
      );
    });
  }

  async checkToken(
    token: string,
    ip: string | null,
  ): Promise<{ address: string; expiresAt: Date }> {
    await this.throttle.check(SCOPE, 'reset-token', ip);
    const r = await this.resets.findUsable(digest(token));
    if (!r) {
      await this.throttle.fail(SCOPE, 'reset-token', ip);
      throw badRequest('token', 'is invalid, used or expired');
    }
    return { address: r.address, expiresAt: r.expiresAt };
  }

  /** A mail user sets a new password with a reset link's token; the token is spent. */
  async resetWithToken(
    token: string,
    next: string,
    ip: string | null,
  ): Promise<{ address: string }> {
    await this.throttle.check(SCOPE, 'reset-token', ip);
    const found = await this.resets.findUsable(digest(token));
    if (!found) {
      await this.throttle.fail(SCOPE, 'reset-token', ip);
      throw badRequest('token', 'is invalid, used or expired');
    }
    this.strength(next, found.address);
    const hash = await this.passwords.hash(next);
    await this.ds.transaction(async (em) => {
      const r = await this.resets.findUsable(digest(token), em, true);
      if (!r) throw badRequest('token', 'is invalid, used or expired');
      const mailbox = (await this.mailboxes.findById(r.mailboxId, em, true))!;
      await this.setPassword(
        em,
        mailbox,
        hash,
        mailUser(mailbox.address, ip),
        'mailbox.password-reset-complete',
      );
    });
    return { address: found.address };
  }
}
