import { Injectable, Logger } from '@nestjs/common';
import { BackendState, MailboxState } from '@roost/core';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PasswordService } from '../passwords/password.service';
import { VerifiedCredentialCache } from './credential-cache';
import { BackendLookupRow, LoginRow, MailAuthRepository } from './mail-auth.repository';
import { LastLoginRecorder } from './last-login-recorder';
import { MailAuthThrottle } from './mail-auth.throttle';
import { MailProtocol, NginxAnswer, NginxAuthRequest } from './nginx-protocol';

/** Tunables of the mail-auth endpoints (documented in deploy/nginx/README.md). */
export const MAIL_AUTH_TIMING = {
  /** nginx waits this long before the client may try again after a bad password. */
  badPasswordWaitSeconds: 3,
  /** nginx re-asks this often while a mailbox is frozen for a move (the login is held). */
  frozenWaitSeconds: 1,
  /**
   * A login is held at most this long (well under clients' own timeouts); after that it gets
   * a temporary failure, and so does every retry of that user from that address for a minute.
   */
  maxHoldSeconds: 20,
  holdMemorySeconds: 60,
  /** Client-visible retry delay while the mailbox's backend is down. */
  backendDownWaitSeconds: 5,
  /** After this many attempts in one session nginx gets no Auth-Wait and closes the connection. */
  maxAttemptsPerSession: 10,
  /** Verified-credential cache (see VerifiedCredentialCache). */
  credentialCacheTtlMs: 120_000,
  credentialCacheEntries: 100_000,
  /** Backend host names are resolved for nginx (Auth-Server must be an IP) and kept this long. */
  dnsCacheMs: 30_000,
} as const;

const MAX_LOGIN_LENGTH = 320;
const MAX_PASSWORD_LENGTH = 1024;

/** States in which a mailbox may be opened. A frozen one is held; the others are refused. */
const OPEN_STATES: ReadonlySet<MailboxState> = new Set([
  MailboxState.Active,
  MailboxState.Moving,
  MailboxState.Error,
]);
const HELD_STATES: ReadonlySet<MailboxState> = new Set([
  MailboxState.Frozen,
  MailboxState.Provisioning,
]);

export type AuthOutcome =
  | { kind: 'ok'; row: LoginRow }
  | { kind: 'bad' }
  | { kind: 'throttled' }
  /** Right password, but the mailbox is inactive, suspended or being deleted. */
  | { kind: 'disabled'; row: LoginRow };

export interface VerifyInput {
  user: string;
  password: string;
  /** The asking backend's name in Roost: a login elsewhere than the user's backend is refused. */
  backend?: string;
}

export interface BackendLookup {
  user: string;
  /** The user may log in now (false while frozen, suspended, ...). */
  available: boolean;
  state: MailboxState;
  backend: {
    name: string;
    host: string;
    imapPort: number;
    pop3Port: number | null;
    sievePort: number | null;
    tlsMode: string;
    state: BackendState;
  };
}

/** Lower-cased, trimmed login, or null when it cannot be an address Roost stores. */
export function normalizeLogin(input: string): string | null {
  const login = input.trim().toLowerCase();
  if (login.length === 0 || login.length > MAX_LOGIN_LENGTH) return null;
  const at = login.lastIndexOf('@');
  if (at <= 0 || at === login.length - 1 || /[\s\0]/.test(login)) return null;
  return login;
}

/**
 * The rules of mail logins, shared by the IMAP/POP proxy (nginx auth_http), the backends' own
 * password checks and the webmail lookup. Never logs a password or a hash.
 */
@Injectable()
export class MailAuthService {
  private readonly logger = new Logger('MailAuth');
  private readonly cache = new VerifiedCredentialCache({
    ttlMs: MAIL_AUTH_TIMING.credentialCacheTtlMs,
    maxEntries: MAIL_AUTH_TIMING.credentialCacheEntries,
  });
  private readonly resolved = new Map<string, { ip: string; until: number }>();

  constructor(
    private readonly repo: MailAuthRepository,
    private readonly passwords: PasswordService,
    private readonly throttle: MailAuthThrottle,
    private readonly lastLogins: LastLoginRecorder,
  ) {}

  /** One nginx auth_http request -> the answer nginx acts on. */
  async nginx(req: NginxAuthRequest): Promise<NginxAnswer> {
    const retry = (seconds: number) =>
      req.attempt < MAIL_AUTH_TIMING.maxAttemptsPerSession ? seconds : undefined;
    if (req.method !== 'plain' && req.method !== 'login') {
      return { kind: 'fail', message: 'Unsupported authentication method' };
    }
    if (req.protocol !== 'imap' && req.protocol !== 'pop3') {
      return { kind: 'fail', message: 'Unsupported protocol' };
    }
    const protocol: MailProtocol = req.protocol;
    const outcome = await this.authenticate(req.user, req.password, req.clientIp);
    switch (outcome.kind) {
      case 'throttled':
        return {
          kind: 'fail',
          message: '[UNAVAILABLE] Too many failed logins, try again later',
          waitSeconds: retry(MAIL_AUTH_TIMING.badPasswordWaitSeconds),
        };
      case 'bad':
        return {
          kind: 'fail',
          message: '[AUTHENTICATIONFAILED] Invalid login or password',
          waitSeconds: retry(MAIL_AUTH_TIMING.badPasswordWaitSeconds),
        };
      case 'disabled':
        return { kind: 'fail', message: '[AUTHORIZATIONFAILED] Account disabled' };
      case 'ok':
        if (HELD_STATES.has(outcome.row.state)) return this.hold(outcome.row, req, retry);
        return this.route(outcome.row, protocol);
    }
  }

  /** A backend's own password check (saslauthd -> PAM -> this). True lets the login in. */
  async verify(input: VerifyInput): Promise<boolean> {
    const outcome = await this.authenticate(input.user, input.password, null);
    if (outcome.kind !== 'ok') return false;
    const { row } = outcome;
    if (input.backend !== undefined && input.backend !== row.backendName) {
      this.logger.warn(
        `refused ${row.address} on backend ${input.backend}: the mailbox lives on ${row.backendName}`,
      );
      return false;
    }
    return OPEN_STATES.has(row.state);
  }

  async lookup(user: string): Promise<BackendLookup | null> {
    const login = normalizeLogin(user);
    const row = login ? await this.repo.findBackend(login) : null;
    return row ? toLookup(row) : null;
  }

  /**
   * Checks a login and password: throttle, one query, the password (cached or verified),
   * re-hash of a legacy hash, last-login time. State is read fresh on every call.
   */
  async authenticate(user: string, password: string, ip: string | null): Promise<AuthOutcome> {
    const login = normalizeLogin(user);
    if (!login || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
      return { kind: 'bad' };
    }
    const throttle = await this.throttle.check(login, ip);
    if (throttle.blocked) {
      this.logger.warn(`throttled login for ${login} from ${ip ?? 'a backend'}`);
      return { kind: 'throttled' };
    }
    const row = await this.repo.findLogin(login);
    const ok = row ? await this.checkPassword(row, password) : await this.dummyCheck(password);
    if (!row || !ok) {
      await this.throttle.fail(login, ip);
      return { kind: 'bad' };
    }
    if (throttle.userFailures > 0) await this.throttle.clearUser(login);
    if (!row.active || !(OPEN_STATES.has(row.state) || HELD_STATES.has(row.state))) {
      return { kind: 'disabled', row };
    }
    this.lastLogins.record(row.mailboxId);
    return { kind: 'ok', row };
  }

  private async dummyCheck(password: string): Promise<false> {
    await this.passwords.verifyDummy(password); // unknown users cost as much time as known ones
    return false;
  }

  private async checkPassword(row: LoginRow, password: string): Promise<boolean> {
    if (this.cache.has(row.address, password, row.passwordHash)) return true;
    const result = await this.passwords.verify(row.passwordHash, password);
    if (!result.ok) return false;
    let stored = row.passwordHash;
    if (result.needsRehash) {
      const upgraded = await this.passwords.hash(password);
      if (await this.repo.replaceHash(row.mailboxId, row.passwordHash, upgraded)) stored = upgraded;
    }
    this.cache.remember(row.address, password, stored);
    return true;
  }

  /**
   * A frozen (or still provisioning) mailbox: nginx keeps the client's login pending and asks
   * again every second (a move's freeze lasts seconds); one that stays frozen longer than
   * maxHoldSeconds gets a temporary failure instead of hanging the client.
   */
  private async hold(
    row: LoginRow,
    req: NginxAuthRequest,
    retry: (seconds: number) => number | undefined,
  ): Promise<NginxAnswer> {
    const held = await this.throttle.heldSeconds(
      row.address,
      req.clientIp,
      req.protocol,
      MAIL_AUTH_TIMING.holdMemorySeconds,
    );
    if (held < MAIL_AUTH_TIMING.maxHoldSeconds) {
      return { kind: 'wait', waitSeconds: MAIL_AUTH_TIMING.frozenWaitSeconds };
    }
    return {
      kind: 'fail',
      message: '[UNAVAILABLE] Mailbox is being moved, try again in a minute',
      waitSeconds: retry(MAIL_AUTH_TIMING.badPasswordWaitSeconds),
    };
  }

  private async route(row: LoginRow, protocol: MailProtocol): Promise<NginxAnswer> {
    if (row.backendState === BackendState.Down) {
      return {
        kind: 'fail',
        message: '[UNAVAILABLE] Mail server down for maintenance, try again later',
        waitSeconds: MAIL_AUTH_TIMING.backendDownWaitSeconds,
      };
    }
    const port = protocol === 'imap' ? row.imapPort : row.pop3Port;
    if (port === null) return { kind: 'fail', message: 'POP3 is not offered for this mailbox' };
    const server = await this.resolve(row.imapHost);
    if (!server) {
      this.logger.error(`cannot resolve the IMAP host ${row.imapHost} of ${row.backendName}`);
      return {
        kind: 'fail',
        message: '[UNAVAILABLE] Temporary server problem, try again later',
        waitSeconds: MAIL_AUTH_TIMING.backendDownWaitSeconds,
      };
    }
    return { kind: 'ok', server, port, user: row.address };
  }

  /** nginx needs an IP in Auth-Server; a backend may be registered by host name. */
  private async resolve(host: string): Promise<string | null> {
    if (isIP(host)) return host;
    const cached = this.resolved.get(host);
    if (cached && cached.until > Date.now()) return cached.ip;
    try {
      const { address } = await lookup(host);
      this.resolved.set(host, { ip: address, until: Date.now() + MAIL_AUTH_TIMING.dnsCacheMs });
      return address;
    } catch {
      return null;
    }
  }
}

function toLookup(row: BackendLookupRow): BackendLookup {
  return {
    user: row.address,
    available: row.active && OPEN_STATES.has(row.state) && row.backendState !== BackendState.Down,
    state: row.state,
    backend: {
      name: row.backendName,
      host: row.imapHost,
      imapPort: row.imapPort,
      pop3Port: row.pop3Port,
      sievePort: row.sievePort,
      tlsMode: row.tlsMode,
      state: row.backendState,
    },
  };
}
