import { connect, type Socket } from 'node:net';
import { ImapFlow } from 'imapflow';

// Just enough SMTP, IMAP and POP3 to see every reply as the server sends it (the routing tests
// check exact reply codes and which backend answered), plus an imapflow helper for real clients.

const HOST = '127.0.0.1';
const REPLY_TIMEOUT_MS = 30_000;

/** A line-oriented TCP session: send a line, wait until the buffered reply matches. */
export class LineSession {
  private buffer = '';
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined); // 'close' follows
  }

  static async open(port: number, host = HOST): Promise<LineSession> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new LineSession(socket);
  }

  /** Waits until `done` matches the unread text, returns that text and consumes it. */
  async read(done: RegExp, timeoutMs = REPLY_TIMEOUT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (done.test(this.buffer)) {
        const text = this.buffer;
        this.buffer = '';
        return text;
      }
      if (this.closed) throw new Error(`connection closed; got ${JSON.stringify(this.buffer)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no reply matching ${done}; got ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async send(line: string, done: RegExp, timeoutMs?: number): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.read(done, timeoutMs);
  }

  write(data: string): void {
    this.socket.write(data);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** A complete SMTP reply: its last line is `NNN text`. */
const SMTP_REPLY = /(^|\r\n)\d{3} [^\r\n]*\r\n$/;

export class SmtpSession {
  private constructor(private readonly s: LineSession) {}

  static async open(port: number, host = HOST): Promise<SmtpSession> {
    const s = await LineSession.open(port, host);
    const greeting = await s.read(SMTP_REPLY);
    if (!greeting.startsWith('220')) throw new Error(`SMTP greeting: ${greeting}`);
    return new SmtpSession(s);
  }

  command(line: string): Promise<string> {
    return this.s.send(line, SMTP_REPLY);
  }

  /** DATA with dot-stuffing; returns the reply to the final dot. */
  async data(message: string): Promise<string> {
    const go = await this.command('DATA');
    if (!go.startsWith('354')) return go;
    const body = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    this.s.write(`${body}\r\n.\r\n`);
    return this.s.read(SMTP_REPLY);
  }

  async quit(): Promise<void> {
    await this.command('QUIT').catch(() => undefined);
    this.s.close();
  }
}

export interface LoginResult {
  ok: boolean;
  /** The server's reply to the login (IMAP tagged line, POP3 PASS reply). */
  reply: string;
  ms: number;
}

function imapQuote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** IMAP LOGIN on a fresh connection (then LOGOUT). The reply names the Cyrus servername. */
export async function imapLogin(
  port: number,
  user: string,
  password: string,
  host = HOST,
): Promise<LoginResult> {
  const s = await LineSession.open(port, host);
  try {
    await s.read(/^\* OK[^\r\n]*\r\n/);
    const started = Date.now();
    const reply = await s.send(
      `a1 LOGIN ${imapQuote(user)} ${imapQuote(password)}`,
      /(^|\r\n)a1 [^\r\n]*\r\n$/,
    );
    const ms = Date.now() - started;
    const tagged = /(^|\r\n)(a1 [^\r\n]*)\r\n$/.exec(reply)?.[2] ?? reply;
    const ok = tagged.startsWith('a1 OK');
    if (ok) await s.send('a2 LOGOUT', /(^|\r\n)a2 [^\r\n]*\r\n$/).catch(() => undefined);
    return { ok, reply: tagged, ms };
  } finally {
    s.close();
  }
}

/** POP3 USER/PASS on a fresh connection (then QUIT). */
export async function pop3Login(
  port: number,
  user: string,
  password: string,
  host = HOST,
): Promise<LoginResult & { stat?: string }> {
  const s = await LineSession.open(port, host);
  const line = /^[+-][^\r\n]*\r\n$/;
  try {
    await s.read(line);
    const started = Date.now();
    const userReply = await s.send(`USER ${user}`, line);
    if (!userReply.startsWith('+OK')) {
      return { ok: false, reply: userReply.trim(), ms: Date.now() - started };
    }
    const reply = (await s.send(`PASS ${password}`, line)).trim();
    const ms = Date.now() - started;
    if (!reply.startsWith('+OK')) return { ok: false, reply, ms };
    const stat = (await s.send('STAT', line)).trim();
    await s.send('QUIT', line).catch(() => undefined);
    return { ok: true, reply, ms, stat };
  } finally {
    s.close();
  }
}

/** ManageSieve AUTHENTICATE PLAIN on a fresh connection. */
export async function sieveLogin(
  port: number,
  user: string,
  password: string,
): Promise<LoginResult> {
  const s = await LineSession.open(port);
  const final = /(^|\r\n)(OK|NO|BYE)[^\r\n]*\r\n$/;
  try {
    await s.read(final);
    const plain = Buffer.from(`\0${user}\0${password}`).toString('base64');
    const started = Date.now();
    const reply = (await s.send(`AUTHENTICATE "PLAIN" "${plain}"`, final)).trim();
    return { ok: reply.startsWith('OK'), reply, ms: Date.now() - started };
  } finally {
    s.close();
  }
}

/** The Cyrus servername in a login reply (`SESSIONID=<backend1-...>`). */
export function servedBy(reply: string): string | undefined {
  return /SESSIONID=<([a-z0-9-]+?)-\d+-\d+-/.exec(reply)?.[1];
}

export interface ImapAuth {
  user: string;
  pass: string;
}

/** A real IMAP client session (imapflow 2.10.2), logged out in any case. */
export async function withImapFlow<T>(
  port: number,
  auth: ImapAuth,
  fn: (client: ImapFlow) => Promise<T>,
): Promise<T> {
  const client = new ImapFlow({
    host: HOST,
    port,
    secure: false,
    doSTARTTLS: false,
    disableCompression: true,
    logger: false,
    auth,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** As the Cyrus admin: create a user's INBOX (what provisioning or a move does first). */
export async function createInbox(port: number, admin: ImapAuth, address: string): Promise<void> {
  await withImapFlow(port, admin, async (client) => {
    await client.mailboxCreate(`user/${address}`);
  });
}

/** Subjects in a user's INBOX, read by the admin (`user/<address>` with an lr grant). */
export async function inboxSubjects(
  port: number,
  admin: ImapAuth,
  address: string,
): Promise<string[]> {
  return withImapFlow(port, admin, async (client) => {
    const box = `user/${address}`;
    const exec = (
      client as unknown as { exec: (c: string, a: unknown[]) => Promise<{ next: () => void }> }
    ).exec;
    const atom = (value: string) => ({ type: 'ATOM', value });
    (await exec.call(client, 'SETACL', [atom(box), atom(admin.user), atom('lr')])).next();
    const status = await client.status(box, { messages: true });
    if (!status || !status.messages) return [];
    const lock = await client.getMailboxLock(box, { readOnly: true });
    try {
      const subjects: string[] = [];
      for await (const msg of client.fetch('1:*', { envelope: true })) {
        subjects.push(msg.envelope?.subject ?? '');
      }
      return subjects.sort();
    } finally {
      lock.release();
    }
  });
}
