import { Socket, connect as netConnect } from 'node:net';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';
import { TlsMode } from '@roost/core';

/**
 * A small ManageSieve client (RFC 5804) for Cyrus `timsieved`: enough to carry a user's Sieve
 * scripts from one backend to another. It logs in like the IMAP sessions do, with SASL PLAIN
 * authcid = the backend's admin and authzid = the owner; timsieved 3.6 accepts that and answers
 * with the owner's scripts (verified: CAPABILITY then says `"OWNER" "alice@example.com"`).
 */

export interface SieveEndpoint {
  /** For error messages. */
  name: string;
  host: string;
  port: number;
  tlsMode: TlsMode;
  tlsVerify: boolean;
}

export interface SieveCredentials {
  user: string;
  pass: string;
  authzid?: string;
}

export interface SieveScriptInfo {
  name: string;
  active: boolean;
}

export class SieveError extends Error {
  constructor(
    message: string,
    /** OK / NO / BYE, or undefined when the connection failed. */
    readonly status?: string,
    readonly responseCode?: string,
  ) {
    super(message);
    this.name = 'SieveError';
  }
}

type Token = string | Buffer;
interface Response {
  lines: Token[][];
  status: 'OK' | 'NO' | 'BYE';
  code?: string;
  text: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const NEED_MORE = Symbol('need-more');

export class SieveClient {
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  capabilities = new Map<string, string>();
  /** When the last command finished (Date.now()). */
  lastUsedAt = Date.now();

  private constructor(
    private socket: Socket,
    private readonly endpoint: SieveEndpoint,
    private readonly timeoutMs: number,
  ) {
    this.attach(socket);
  }

  static async connect(
    endpoint: SieveEndpoint,
    credentials: SieveCredentials,
    options: { timeoutMs?: number } = {},
  ): Promise<SieveClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await openSocket(endpoint, timeoutMs);
    const client = new SieveClient(socket, endpoint, timeoutMs);
    try {
      client.readCapabilities(await client.read());
      if (endpoint.tlsMode === TlsMode.StartTls) {
        if (!client.capabilities.has('STARTTLS')) {
          throw new SieveError(`sieve on ${endpoint.name} does not offer STARTTLS`);
        }
        await client.command('STARTTLS');
        await client.upgrade();
        client.readCapabilities(await client.read());
      }
      const { user, pass, authzid } = credentials;
      const plain = Buffer.from(`${authzid ?? ''}\0${user}\0${pass}`, 'utf8').toString('base64');
      const auth = await client.send(`AUTHENTICATE "PLAIN" "${plain}"`);
      if (auth.status !== 'OK') {
        throw new SieveError(
          `sieve login on ${endpoint.name} refused${authzid ? ` for ${authzid}` : ''}: ${auth.text}`,
          auth.status,
          auth.code,
        );
      }
      return client;
    } catch (err) {
      client.destroy();
      throw err;
    }
  }

  /** False once the connection failed, was closed by the server, or logged out. */
  get usable(): boolean {
    return !this.closed && this.failure === undefined;
  }

  async listScripts(): Promise<SieveScriptInfo[]> {
    const res = await this.command('LISTSCRIPTS');
    return res.lines
      .filter((line) => line.length > 0)
      .map((line) => ({
        name: tokenText(line[0]),
        active: line.length > 1 && tokenText(line[1]).toUpperCase() === 'ACTIVE',
      }));
  }

  async getScript(name: string): Promise<string> {
    const res = await this.command(`GETSCRIPT ${quote(name)}`);
    const body = res.lines[0]?.[0];
    if (body === undefined) throw new SieveError(`GETSCRIPT ${name}: no script in the answer`);
    return tokenText(body);
  }

  async putScript(name: string, content: string): Promise<void> {
    const bytes = Buffer.from(content, 'utf8');
    await this.command(
      Buffer.concat([Buffer.from(`PUTSCRIPT ${quote(name)} {${bytes.length}+}\r\n`), bytes]),
    );
  }

  /** Makes `name` the active script; null deactivates every script. */
  async setActive(name: string | null): Promise<void> {
    await this.command(`SETACTIVE ${quote(name ?? '')}`);
  }

  async deleteScript(name: string): Promise<void> {
    await this.command(`DELETESCRIPT ${quote(name)}`);
  }

  /** LOGOUT and close; never throws. */
  async logout(): Promise<void> {
    if (this.closed) return;
    try {
      await this.send('LOGOUT');
    } catch {
      // closing anyway
    } finally {
      this.destroy();
    }
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  // ---- protocol -----------------------------------------------------------------------------

  /** Sends a command and insists on OK. */
  private async command(line: string | Buffer): Promise<Response> {
    const res = await this.send(line);
    if (res.status !== 'OK') {
      const verb = (
        typeof line === 'string' ? line : line.subarray(0, 40).toString('latin1')
      ).split(' ')[0];
      throw new SieveError(
        `sieve ${verb} on ${this.endpoint.name} failed: ${res.status} ${res.text}`.trim(),
        res.status,
        res.code,
      );
    }
    return res;
  }

  /** True when the connection still answers (NOOP, RFC 5804), without throwing. */
  async alive(): Promise<boolean> {
    if (!this.usable) return false;
    try {
      return (await this.send('NOOP')).status === 'OK';
    } catch {
      return false;
    }
  }

  private async send(line: string | Buffer): Promise<Response> {
    try {
      return await this.exchange(line);
    } finally {
      this.lastUsedAt = Date.now();
    }
  }

  private async exchange(line: string | Buffer): Promise<Response> {
    if (this.closed) throw new SieveError(`sieve connection to ${this.endpoint.name} is closed`);
    const data =
      typeof line === 'string'
        ? Buffer.from(`${line}\r\n`)
        : Buffer.concat([line, Buffer.from('\r\n')]);
    this.socket.write(data);
    return this.read();
  }

  private async read(): Promise<Response> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      if (this.failure) throw this.failure;
      const parsed = parseResponse(this.buffer);
      if (parsed !== NEED_MORE) {
        this.buffer = this.buffer.subarray(parsed.consumed);
        return parsed.response;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.destroy();
        throw new SieveError(
          `sieve on ${this.endpoint.name} did not answer within ${this.timeoutMs} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.wake();
    });
    socket.on('error', (err) => {
      this.failure ??= new SieveError(
        `sieve connection to ${this.endpoint.name} failed: ${err.message}`,
      );
      this.wake();
    });
    socket.on('close', () => {
      this.failure ??= new SieveError(`sieve connection to ${this.endpoint.name} closed`);
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private async upgrade(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect(
        {
          socket: plain,
          servername: isIP(this.endpoint.host) === 0 ? this.endpoint.host : undefined,
          rejectUnauthorized: this.endpoint.tlsVerify !== false,
          minVersion: 'TLSv1.2',
        },
        () => resolve(s),
      );
      s.once('error', reject);
    });
    this.socket = secure;
    this.buffer = Buffer.alloc(0);
    this.attach(secure);
  }

  private readCapabilities(res: Response): void {
    this.capabilities = new Map();
    for (const line of res.lines) {
      if (line.length === 0) continue;
      this.capabilities.set(
        tokenText(line[0]).toUpperCase(),
        line[1] === undefined ? '' : tokenText(line[1]),
      );
    }
  }
}

function openSocket(endpoint: SieveEndpoint, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) =>
      reject(
        new SieveError(
          `cannot reach sieve on ${endpoint.name} (${endpoint.host}:${endpoint.port}): ${err.message}`,
        ),
      );
    const socket: Socket =
      endpoint.tlsMode === TlsMode.Tls
        ? tlsConnect(
            {
              host: endpoint.host,
              port: endpoint.port,
              servername: isIP(endpoint.host) === 0 ? endpoint.host : undefined,
              rejectUnauthorized: endpoint.tlsVerify !== false,
              minVersion: 'TLSv1.2',
            },
            () => done(),
          )
        : netConnect({ host: endpoint.host, port: endpoint.port }, () => done());
    const timer = setTimeout(() => {
      socket.destroy();
      onError(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    };
    socket.once('error', (err) => {
      clearTimeout(timer);
      onError(err);
    });
  });
}

/** A script name: quoted when plain ASCII, else a literal (timsieved refuses escapes and 8-bit in quotes). */
function quote(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new SieveError('a script name cannot hold CR, LF or NUL');
  if (/^[\x20-\x7e]*$/.test(value) && !/["\\]/.test(value)) return `"${value}"`;
  return `{${Buffer.byteLength(value, 'utf8')}+}\r\n${value}`;
}

function tokenText(token: Token): string {
  return typeof token === 'string' ? token : token.toString('utf8');
}

/**
 * Parses one complete response (data lines, then OK/NO/BYE) from the front of `buf`, or says
 * that more bytes are needed. Exported for tests.
 */
export function parseResponse(
  buf: Buffer,
): { response: Response; consumed: number } | typeof NEED_MORE {
  let pos = 0;
  const lines: Token[][] = [];
  for (;;) {
    const line = parseLine(buf, pos);
    if (line === NEED_MORE) return NEED_MORE;
    pos = line.next;
    const first = line.tokens[0];
    const status = typeof first === 'string' && line.atomFirst ? first.toUpperCase() : '';
    if (status === 'OK' || status === 'NO' || status === 'BYE') {
      let code: string | undefined;
      let text = '';
      for (const t of line.tokens.slice(1)) {
        const s = tokenText(t);
        if (code === undefined && s.startsWith('(')) code = s.slice(1, -1);
        else text = text ? `${text} ${s}` : s;
      }
      return { response: { lines, status, code, text }, consumed: pos };
    }
    lines.push(line.tokens);
  }
}

function parseLine(
  buf: Buffer,
  start: number,
): { tokens: Token[]; next: number; atomFirst: boolean } | typeof NEED_MORE {
  const tokens: Token[] = [];
  let atomFirst = false;
  let pos = start;
  for (;;) {
    if (pos >= buf.length) return NEED_MORE;
    const c = buf[pos];
    if (c === 0x20) {
      pos++;
      continue;
    }
    if (c === 0x0d || c === 0x0a) {
      if (c === 0x0d) {
        if (pos + 1 >= buf.length) return NEED_MORE;
        pos += buf[pos + 1] === 0x0a ? 2 : 1;
      } else pos++;
      return { tokens, next: pos, atomFirst };
    }
    if (c === 0x22) {
      // quoted string with \" and \\ escapes
      let out = '';
      let i = pos + 1;
      for (;;) {
        if (i >= buf.length) return NEED_MORE;
        const ch = buf[i];
        if (ch === 0x5c) {
          if (i + 1 >= buf.length) return NEED_MORE;
          out += String.fromCharCode(buf[i + 1]);
          i += 2;
          continue;
        }
        if (ch === 0x22) break;
        // collect raw bytes; decoded as UTF-8 below
        let j = i;
        while (j < buf.length && buf[j] !== 0x22 && buf[j] !== 0x5c) j++;
        out += buf.subarray(i, j).toString('latin1');
        i = j;
      }
      tokens.push(Buffer.from(out, 'latin1').toString('utf8'));
      pos = i + 1;
      continue;
    }
    if (c === 0x7b) {
      const close = buf.indexOf(0x7d, pos);
      if (close < 0) return NEED_MORE;
      const size = Number(
        buf
          .subarray(pos + 1, close)
          .toString('latin1')
          .replace('+', ''),
      );
      let dataStart = close + 1;
      if (dataStart + 1 >= buf.length) return NEED_MORE;
      if (buf[dataStart] === 0x0d) dataStart++;
      if (buf[dataStart] === 0x0a) dataStart++;
      if (dataStart + size > buf.length) return NEED_MORE;
      tokens.push(Buffer.from(buf.subarray(dataStart, dataStart + size)));
      pos = dataStart + size;
      continue;
    }
    if (c === 0x28) {
      const close = buf.indexOf(0x29, pos);
      if (close < 0) return NEED_MORE;
      tokens.push(buf.subarray(pos, close + 1).toString('utf8'));
      pos = close + 1;
      continue;
    }
    let j = pos;
    while (j < buf.length && buf[j] !== 0x20 && buf[j] !== 0x0d && buf[j] !== 0x0a) j++;
    if (j >= buf.length) return NEED_MORE;
    if (tokens.length === 0) atomFirst = true;
    tokens.push(buf.subarray(pos, j).toString('utf8'));
    pos = j;
  }
}
