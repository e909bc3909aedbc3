/**
 * The worker process' environment, validated at boot: every problem is reported at once, in
 * words a person can act on. DATABASE_URL and REDIS_URL may hold passwords: never log them.
 */
export interface WorkerConfig {
  databaseUrl: string;
  redisUrl: string;
  /** BullMQ key prefix; the API must enqueue with the same one. */
  prefix: string;
  mailboxConcurrency: number;
  /** 0 turns the repeatable job off. */
  quotaSyncEveryMs: number;
  backendHealthEveryMs: number;
  /** Consecutive failed checks before a backend's health is `down`. */
  healthDownAfterFailures: number;
  /** The mailbox reconciler's period (0 turns it off) and grace period. */
  reconcileEveryMs: number;
  reconcileGraceMs: number;
  /** How often a mailbox job waiting for a move looks again. */
  mailboxMoveWaitMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid worker configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const problems: string[] = [];

  const url = (name: string, protocols: string[], example: string): string => {
    const value = env[name];
    if (!value) {
      problems.push(`${name} is not set (e.g. ${example})`);
      return '';
    }
    let protocol: string;
    try {
      protocol = new URL(value).protocol;
    } catch {
      problems.push(`${name} is not a URL (e.g. ${example})`);
      return '';
    }
    if (!protocols.includes(protocol)) {
      problems.push(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    }
    return value;
  };

  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min) {
      problems.push(`${name} must be a whole number >= ${min}, got "${raw}"`);
      return fallback;
    }
    return value;
  };

  const prefix = env.ROOST_QUEUE_PREFIX || 'roost';
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) {
    problems.push(`ROOST_QUEUE_PREFIX may hold letters, digits, "_" and "-" only, got "${prefix}"`);
  }

  const config: WorkerConfig = {
    databaseUrl: url(
      'DATABASE_URL',
      ['postgres:', 'postgresql:'],
      'postgres://roost@127.0.0.1:5432/roost',
    ),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
    prefix,
    mailboxConcurrency: int('ROOST_MAILBOX_CONCURRENCY', 8, 1),
    quotaSyncEveryMs: int('ROOST_QUOTA_SYNC_EVERY_MS', 15 * 60_000, 0),
    backendHealthEveryMs: int('ROOST_HEALTH_EVERY_MS', 30_000, 0),
    healthDownAfterFailures: int('ROOST_HEALTH_DOWN_AFTER', 3, 1),
    reconcileEveryMs: int('ROOST_RECONCILE_EVERY_MS', 30_000, 0),
    reconcileGraceMs: int('ROOST_RECONCILE_GRACE_MS', 120_000, 0),
    mailboxMoveWaitMs: int('ROOST_MAILBOX_MOVE_WAIT_MS', 30_000, 100),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
