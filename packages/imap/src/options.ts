import { isIP } from 'node:net';
import { TlsMode } from '@roost/core';
import type { ImapFlowOptions } from 'imapflow';

/** What the wrapper needs to know about a backend (the `Backend` entity satisfies it). */
export interface CyrusBackendConfig {
  name: string;
  imapHost: string;
  imapPort: number;
  tlsMode: TlsMode;
  /** Certificate verification; on unless the backend explicitly says otherwise. */
  tlsVerify: boolean;
  adminUser: string;
}

export interface ImapTimeouts {
  /** TCP (and TLS) connect. */
  connectionTimeoutMs: number;
  greetingTimeoutMs: number;
  /** Inactivity on an open connection. */
  socketTimeoutMs: number;
  /** How long LOGOUT may take before the socket is simply closed. */
  logoutTimeoutMs: number;
}

export const DEFAULT_IMAP_TIMEOUTS: ImapTimeouts = {
  connectionTimeoutMs: 10_000,
  greetingTimeoutMs: 10_000,
  socketTimeoutMs: 60_000,
  logoutTimeoutMs: 5_000,
};

export interface ImapCredentials {
  user: string;
  pass: string;
  /** SASL PLAIN authorisation id: log in as `user`, act as `authzid` (Cyrus admins may). */
  authzid?: string;
}

/** The imapflow options for one connection to `backend`: pure, so it is unit-tested. */
export function imapFlowOptions(
  backend: CyrusBackendConfig,
  credentials: ImapCredentials,
  timeouts: ImapTimeouts = DEFAULT_IMAP_TIMEOUTS,
): ImapFlowOptions {
  const auth: ImapFlowOptions['auth'] =
    credentials.authzid === undefined
      ? { user: credentials.user, pass: credentials.pass }
      : // imapflow only sends an authzid with AUTH=PLAIN
        {
          user: credentials.user,
          pass: credentials.pass,
          authzid: credentials.authzid,
          loginMethod: 'AUTH=PLAIN',
        };
  return {
    host: backend.imapHost,
    port: backend.imapPort,
    ...tlsOptions(backend),
    auth,
    logger: false,
    // COMPRESS=DEFLATE is 4.6x slower on fast links (notes/cyrus.md §6.2)
    disableCompression: true,
    disableAutoIdle: true,
    connectionTimeout: timeouts.connectionTimeoutMs,
    greetingTimeout: timeouts.greetingTimeoutMs,
    socketTimeout: timeouts.socketTimeoutMs,
    clientInfo: { name: 'roost' },
  };
}

export function tlsOptions(
  backend: Pick<CyrusBackendConfig, 'imapHost' | 'tlsMode' | 'tlsVerify'>,
): Pick<ImapFlowOptions, 'secure' | 'doSTARTTLS' | 'tls'> {
  const tls = {
    rejectUnauthorized: backend.tlsVerify !== false,
    servername: isIP(backend.imapHost) === 0 ? backend.imapHost : undefined,
    minVersion: 'TLSv1.2' as const,
  };
  switch (backend.tlsMode) {
    case TlsMode.Tls:
      return { secure: true, tls };
    case TlsMode.StartTls:
      // fail rather than fall back to cleartext when STARTTLS is missing
      return { secure: false, doSTARTTLS: true, tls };
    case TlsMode.None:
      return { secure: false, doSTARTTLS: false };
  }
}
