import { ImapFlow } from 'imapflow';
import type { CyrusInstance } from '../harness/cyrus';

// A mail client's own view: a direct login to the backend with the user's password (sasldb),
// not Roost's proxy authorisation. What the tests check is what the user would see.

export async function loginAs(
  instance: CyrusInstance,
  address: string,
  password: string,
): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: instance.host,
    port: instance.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: address, pass: password },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

/** Runs `fn` logged in as the user; always logs out. */
export async function asMailUser<T>(
  instance: CyrusInstance,
  address: string,
  password: string,
  fn: (client: ImapFlow) => Promise<T>,
): Promise<T> {
  const client = await loginAs(instance, address, password);
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** A small RFC 5322 message with CRLF line ends, about `bodyBytes` long. */
export function message(subject: string, bodyBytes = 200): string {
  const line = 'Roost test body line.\r\n';
  const body = line.repeat(Math.max(1, Math.ceil(bodyBytes / line.length)));
  return `From: tester@example.net\r\nTo: someone@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@example.net>\r\n\r\n${body}`;
}

/** GETQUOTAROOT INBOX as the logged-in user, through imapflow's public getQuota(). */
export async function quotaOfInbox(
  client: ImapFlow,
): Promise<{ usage?: number; limit?: number } | null> {
  const quota = await client.getQuota('INBOX');
  return quota ? (quota.storage ?? null) : null;
}

export async function messageCount(client: ImapFlow, path: string): Promise<number> {
  const status = await client.status(path, { messages: true });
  return status ? (status.messages ?? 0) : 0;
}
