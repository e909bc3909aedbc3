import type { IncomingHttpHeaders } from 'node:http';

/**
 * nginx's mail `auth_http` protocol as nginx 1.22 speaks it (notes/routing.md §4.2): one
 * `GET` per login attempt, credentials in URL-escaped headers; the answer is in the response
 * headers only (the body is ignored).
 */

export type MailProtocol = 'imap' | 'pop3';

export interface NginxAuthRequest {
  /** plain, login, apop, cram-md5, external or none. */
  method: string;
  protocol: string;
  /** URL-decoded, as the client typed it. */
  user: string;
  /** URL-decoded. */
  password: string;
  /** Counts from 1 within one client session. */
  attempt: number;
  clientIp: string | null;
}

export type NginxAnswer =
  | { kind: 'ok'; server: string; port: number; user: string }
  /** nginx holds the client's login and asks again after `waitSeconds`. */
  | { kind: 'wait'; waitSeconds: number }
  /** The client gets `NO <message>` / `-ERR <message>`; with `waitSeconds` nginx waits, then lets it retry. */
  | { kind: 'fail'; message: string; waitSeconds?: number };

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/**
 * Undoes nginx's `ngx_escape_uri(NGX_ESCAPE_MAIL_AUTH)`: `%XX` byte escapes, decoded as UTF-8.
 * A malformed escape stays as it is (decodeURIComponent would throw on non-UTF-8 bytes).
 */
export function percentDecode(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(value[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseNginxAuthRequest(headers: IncomingHttpHeaders): NginxAuthRequest {
  const attempt = Number.parseInt(header(headers, 'auth-login-attempt'), 10);
  const clientIp = header(headers, 'client-ip').trim();
  return {
    method: header(headers, 'auth-method').toLowerCase(),
    protocol: header(headers, 'auth-protocol').toLowerCase(),
    user: percentDecode(header(headers, 'auth-user')),
    password: percentDecode(header(headers, 'auth-pass')),
    attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
    clientIp: clientIp === '' ? null : clientIp,
  };
}

/** Header values must stay on one line; nginx copies the status text to the client. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\0]+/g, ' ');
}

/** The response headers for an answer. */
export function nginxAnswerHeaders(answer: NginxAnswer): Record<string, string> {
  switch (answer.kind) {
    case 'ok':
      return {
        'Auth-Status': 'OK',
        'Auth-Server': answer.server,
        'Auth-Port': String(answer.port),
        // The backend sees the normalised (lower-case) login, whatever the client typed.
        'Auth-User': oneLine(answer.user),
      };
    case 'wait':
      return { 'Auth-Status': 'WAIT', 'Auth-Wait': String(answer.waitSeconds) };
    case 'fail': {
      const headers: Record<string, string> = { 'Auth-Status': oneLine(answer.message) };
      if (answer.waitSeconds !== undefined) headers['Auth-Wait'] = String(answer.waitSeconds);
      return headers;
    }
  }
}
