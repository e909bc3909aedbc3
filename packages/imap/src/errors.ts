/**
 * Typed errors for everything that can go wrong talking to a Cyrus backend, and the small pure
 * functions that map imapflow's errors onto them. Callers branch on the class (or `kind`); the
 * worker decides retry vs give-up from it. Messages carry the server's text, never a secret.
 */
export type ImapErrorKind =
  | 'not-found'
  | 'already-exists'
  | 'permission'
  | 'authentication'
  | 'over-quota'
  | 'invalid-name'
  | 'quota-refused'
  | 'connection'
  | 'command';

export interface ImapErrorContext {
  backend?: string;
  command?: string;
  mailbox?: string;
  /** The server's text of the tagged NO/BAD, when there was one. */
  responseText?: string;
}

export class ImapError extends Error {
  readonly kind: ImapErrorKind = 'command';
  readonly backend?: string;
  readonly command?: string;
  readonly mailbox?: string;
  readonly responseText?: string;

  constructor(message: string, context: ImapErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.backend = context.backend;
    this.command = context.command;
    this.mailbox = context.mailbox;
    this.responseText = context.responseText;
  }
}

export class ImapNotFoundError extends ImapError {
  override readonly kind = 'not-found';
}
export class ImapAlreadyExistsError extends ImapError {
  override readonly kind = 'already-exists';
}
export class ImapPermissionError extends ImapError {
  override readonly kind: ImapErrorKind = 'permission';
}
/** The backend refused the credentials (or the proxy authorisation). */
export class ImapAuthenticationError extends ImapPermissionError {
  override readonly kind = 'authentication';
}
export class ImapOverQuotaError extends ImapError {
  override readonly kind = 'over-quota';
}
export class ImapInvalidNameError extends ImapError {
  override readonly kind = 'invalid-name';
}
/** A quota Cyrus cannot store; refused before sending (Cyrus ends the session on it). */
export class ImapQuotaRefusedError extends ImapError {
  override readonly kind = 'quota-refused';
}
/** Refused, closed, timed out, TLS failed: the backend did not answer the command. */
export class ImapConnectionError extends ImapError {
  override readonly kind = 'connection';
}
/** Any other NO or BAD answer. */
export class ImapCommandError extends ImapError {
  override readonly kind = 'command';
}

/** What imapflow puts on the errors it raises (see imapflow's ImapFlowError). */
export interface ImapFlowErrorLike {
  message?: string;
  code?: string;
  responseStatus?: string;
  responseText?: string;
  serverResponseCode?: string;
  authenticationFailed?: boolean;
  tlsFailed?: boolean;
  response?: unknown;
}

/** imapflow and Node codes meaning the command never got an answer from the server. */
const CONNECTION_CODES = new Set([
  'NoConnection',
  'EConnectionClosed',
  'StateLogout',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

export function isConnectionFailure(err: ImapFlowErrorLike): boolean {
  if (err.responseStatus === 'BYE') return true;
  if (err.tlsFailed) return true;
  if (err.code !== undefined && CONNECTION_CODES.has(err.code)) return true;
  // TLS certificate failures surface with OpenSSL codes (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, ...)
  if (err.code !== undefined && /CERT|TLS|SSL/.test(err.code)) return true;
  // a bare Error without a server answer, e.g. "Unexpected close"
  return (
    err.responseStatus === undefined &&
    /unexpected close|socket|timed? ?out/i.test(err.message ?? '')
  );
}

/**
 * The kind of a tagged NO/BAD from Cyrus 3.6, by RFC 5530 response code first, then by the
 * texts Cyrus actually sends (verified against 3.6.1, see notes/cyrus.md).
 */
export function commandFailureKind(responseCode: string | undefined, text: string): ImapErrorKind {
  switch (responseCode?.toUpperCase() ?? '') {
    case 'NONEXISTENT':
      return 'not-found';
    case 'ALREADYEXISTS':
      return 'already-exists';
    case 'NOPERM':
      return 'permission';
    case 'AUTHENTICATIONFAILED':
    case 'AUTHORIZATIONFAILED':
      return 'authentication';
    case 'OVERQUOTA':
    case 'LIMIT':
      return 'over-quota';
    case 'CANNOT':
    case 'USEATTR':
      return 'invalid-name';
    default:
      break;
  }
  if (/does not exist|not found|no such/i.test(text)) return 'not-found';
  if (/already exists/i.test(text)) return 'already-exists';
  if (/authentication failure|authorization failure|not allowed to proxy/i.test(text)) {
    return 'authentication';
  }
  if (/permission denied/i.test(text)) return 'permission';
  if (/over quota|quota exceeded/i.test(text)) return 'over-quota';
  if (/invalid mailbox name|invalid annotation/i.test(text)) return 'invalid-name';
  return 'command';
}

const CLASS_OF: {
  [K in ImapErrorKind]: new (m: string, c?: ImapErrorContext, o?: { cause?: unknown }) => ImapError;
} = {
  'not-found': ImapNotFoundError,
  'already-exists': ImapAlreadyExistsError,
  permission: ImapPermissionError,
  authentication: ImapAuthenticationError,
  'over-quota': ImapOverQuotaError,
  'invalid-name': ImapInvalidNameError,
  'quota-refused': ImapQuotaRefusedError,
  connection: ImapConnectionError,
  command: ImapCommandError,
};

/** Turns whatever imapflow threw into one typed ImapError (an ImapError passes through). */
export function toImapError(err: unknown, context: ImapErrorContext = {}): ImapError {
  if (err instanceof ImapError) return err;
  const e: ImapFlowErrorLike =
    typeof err === 'object' && err !== null ? err : { message: String(err) };
  const where = [context.command, context.mailbox].filter(Boolean).join(' ');
  const on = context.backend ? ` on backend ${context.backend}` : '';

  if (e.authenticationFailed) {
    const text = e.responseText ?? e.message ?? 'authentication failed';
    return new ImapAuthenticationError(
      `login refused${on}: ${text}`,
      { ...context, responseText: text },
      { cause: err },
    );
  }
  if (e.responseStatus === 'NO' || e.responseStatus === 'BAD') {
    const text = e.responseText ?? '';
    const kind = commandFailureKind(e.serverResponseCode, text);
    const Cls = CLASS_OF[kind];
    return new Cls(
      `${where || 'command'} failed${on}: ${e.responseStatus} ${text}`.trim(),
      { ...context, responseText: text },
      { cause: err },
    );
  }
  if (isConnectionFailure(e)) {
    const detail = [e.code, e.message].filter(Boolean).join(' ');
    const target = context.backend ? `backend ${context.backend}` : 'backend';
    const during = where ? ` during ${where}` : '';
    return new ImapConnectionError(`${target} not reachable${during}: ${detail}`, context, {
      cause: err,
    });
  }
  return new ImapCommandError(
    `${where || 'IMAP'} failed${on}: ${e.message ?? String(err)}`,
    context,
    { cause: err },
  );
}
