import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { PREVIOUS_KEYS_PATTERN, SECRET_KEY_PATTERN } from '../auth/secret-box';

/**
 * The environment the API needs, validated once at boot. A missing or malformed value stops
 * the process with a message that names the variable and what is wrong with it.
 */
export class RoostEnv {
  /** PostgreSQL URL (sensitive: may hold a password). */
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL: string;

  /** Redis URL for BullMQ and the login throttle (sensitive). */
  @Matches(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL: string;

  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ . or -' })
  ROOST_QUEUE_PREFIX = 'roost';

  /**
   * Key that encrypts secrets Roost must read back (admins' TOTP seeds) with AES-256-GCM:
   * 32 random bytes in base64 (`openssl rand -base64 32`). Required, sensitive, never logged.
   * Losing it means every enrolled admin has to enrol TOTP again.
   */
  @Matches(SECRET_KEY_PATTERN, {
    message: 'must be 32 random bytes in base64 (make one with: openssl rand -base64 32)',
  })
  ROOST_SECRET_KEY: string;

  /**
   * Keys ROOST_SECRET_KEY replaced, comma-separated: values sealed under them still open and are
   * sealed again under the current key (at use, or all at once with `cli.js reseal-secrets`).
   */
  @IsOptional()
  @Matches(PREVIOUS_KEYS_PATTERN, {
    message: 'must be keys of 32 random bytes in base64, separated by commas',
  })
  ROOST_SECRET_KEY_PREVIOUS?: string;

  /** Shared secret of the mail-auth endpoint (issue 6); sensitive. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  ROOST_MAIL_AUTH_SECRET?: string;

  /** Where people reach the console; reset links start with it. */
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  ROOST_PUBLIC_URL = 'http://127.0.0.1:8080';

  /** Built web console to serve at `/`, if any. */
  @IsOptional()
  @IsString()
  ROOST_WEB_DIST?: string;

  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(65535)
  ROOST_API_PORT = 8080;

  @IsString()
  ROOST_API_HOST = '127.0.0.1';

  /** Days a deleted mailbox is kept (state `deleting`) before the worker removes it. */
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  @Max(3650)
  ROOST_MAILBOX_RETENTION_DAYS = 30;

  /** Idle lifetime of an admin session, in minutes (sliding). */
  @IsInt({ message: 'must be an integer' })
  @Min(5)
  @Max(7 * 24 * 60)
  ROOST_SESSION_IDLE_MINUTES = 12 * 60;

  /** Lifetime of a mail user's password reset link, in minutes. */
  @IsInt({ message: 'must be an integer' })
  @Min(5)
  @Max(30 * 24 * 60)
  ROOST_RESET_LINK_MINUTES = 24 * 60;

  /** `Secure` flag of the session cookie: on unless ROOST_PUBLIC_URL is plain http. */
  @IsOptional()
  @IsIn(['true', 'false'])
  ROOST_COOKIE_SECURE?: 'true' | 'false';

  /** Extra origins (comma-separated) allowed to call the API from a browser, e.g. a Vite dev server. */
  @IsOptional()
  @IsString()
  ROOST_CORS_ORIGINS?: string;

  /** Express `trust proxy` setting, when the API sits behind a load balancer. */
  @IsOptional()
  @IsString()
  ROOST_TRUST_PROXY?: string;

  /**
   * PostgreSQL connections per API process. Queries are short: a few connections keep the
   * database busy without a crowd of backends fighting for the same cores.
   */
  @IsInt()
  @Min(1)
  @Max(200)
  ROOST_DB_POOL_SIZE = 10;

  /** Login throttle: failures allowed per account and per IP within the window. */
  @IsInt()
  @Min(1)
  ROOST_LOGIN_MAX_FAILURES_PER_ACCOUNT = 5;

  @IsInt()
  @Min(1)
  ROOST_LOGIN_MAX_FAILURES_PER_IP = 50;

  @IsInt()
  @Min(1)
  ROOST_LOGIN_WINDOW_SECONDS = 15 * 60;

  get cookieSecure(): boolean {
    if (this.ROOST_COOKIE_SECURE) return this.ROOST_COOKIE_SECURE === 'true';
    return this.ROOST_PUBLIC_URL.startsWith('https://');
  }
}

const NUMERIC: (keyof RoostEnv)[] = [
  'ROOST_API_PORT',
  'ROOST_DB_POOL_SIZE',
  'ROOST_MAILBOX_RETENTION_DAYS',
  'ROOST_SESSION_IDLE_MINUTES',
  'ROOST_RESET_LINK_MINUTES',
  'ROOST_LOGIN_MAX_FAILURES_PER_ACCOUNT',
  'ROOST_LOGIN_MAX_FAILURES_PER_IP',
  'ROOST_LOGIN_WINDOW_SECONDS',
];

export class EnvError extends Error {}

/** Reads and checks the environment; throws an `EnvError` listing every problem. */
export function loadEnv(source: Record<string, string | undefined> = process.env): RoostEnv {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || value === '') continue;
    if (!key.startsWith('ROOST_') && key !== 'DATABASE_URL' && key !== 'REDIS_URL') continue;
    raw[key] =
      NUMERIC.includes(key as keyof RoostEnv) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  const env = plainToInstance(RoostEnv, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const reasons = Object.values(e.constraints ?? {}).join(', ');
      const missing = e.value === undefined ? 'is not set' : reasons;
      return `  ${e.property} ${missing}`;
    });
    throw new EnvError(`Roost API: bad environment\n${lines.join('\n')}`);
  }
  return env;
}

export const ROOST_ENV = Symbol('ROOST_ENV');
