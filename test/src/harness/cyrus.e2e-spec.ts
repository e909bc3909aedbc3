import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ImapFlow } from 'imapflow';
import { startCyrus, stopAllCyrus, type CyrusInstance } from './cyrus';

// Real Cyrus backends, real IMAP and ManageSieve over loopback. Needs root (see cyrus.ts).

const USER_MAILBOX = 'user/alice@example.com';
const QUOTA_KIB = 1024;

interface Login {
  user: string;
  pass: string;
}

function adminLogin(instance: CyrusInstance): Login {
  return { user: instance.adminUser, pass: instance.adminPassword };
}

async function withImap<T>(
  instance: CyrusInstance,
  auth: Login,
  fn: (client: ImapFlow) => Promise<T>,
): Promise<T> {
  const client = new ImapFlow({
    host: instance.host,
    port: instance.imapPort,
    secure: false,
    doSTARTTLS: false,
    disableCompression: true,
    logger: false,
    auth,
  });
  client.on('error', () => undefined); // connect()/commands reject on their own; keep 'error' from crashing the run
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** Runs an admin command imapflow has no public method for (§6.2.5 of notes/cyrus.md). */
async function execRaw(client: ImapFlow, command: string, attributes: unknown[]): Promise<void> {
  const exec = (
    client as unknown as { exec: (c: string, a: unknown[]) => Promise<{ next: () => void }> }
  ).exec;
  const response = await exec.call(client, command, attributes);
  response.next();
}

const atom = (value: string) => ({ type: 'ATOM', value });

async function listPaths(client: ImapFlow): Promise<string[]> {
  return (await client.list()).map((mailbox) => mailbox.path);
}

void describe('Cyrus harness', () => {
  let rootDir: string;
  let backends: CyrusInstance[] = [];
  let startMs = 0;

  before(async () => {
    rootDir = await mkdtemp(path.join(tmpdir(), 'roost-cyrus-'));
    await chmod(rootDir, 0o755); // Cyrus runs as user cyrus and must get through it
    const started = Date.now();
    backends = await Promise.all([
      startCyrus({ name: 'backend1', rootDir }),
      startCyrus({ name: 'backend2', rootDir, adminPassword: 'second-admin-pw' }),
    ]);
    startMs = Date.now() - started;
  });

  after(async () => {
    await stopAllCyrus();
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
  });

  void test('starts two independent instances on distinct ports', (t) => {
    t.diagnostic(`both instances up in ${startMs} ms`);
    const ports = backends.flatMap((b) => [b.imapPort, b.lmtpPort, b.sievePort]);
    assert.equal(new Set(ports).size, 6);
    assert.ok(backends.every((b) => b.isRunning()));
    assert.equal(backends[1]?.adminPassword, 'second-admin-pw');
    assert.notEqual(backends[0]?.dir, backends[1]?.dir);
  });

  for (const index of [0, 1]) {
    void test(`admin creates, limits, lists and deletes a user mailbox on backend${index + 1}`, async () => {
      const backend = backends[index];
      await withImap(backend, adminLogin(backend), async (client) => {
        assert.ok(
          !(await listPaths(client)).includes(USER_MAILBOX),
          'mailbox exists before CREATE',
        );

        await client.mailboxCreate(USER_MAILBOX);
        assert.ok(
          (await listPaths(client)).includes(USER_MAILBOX),
          'LIST does not show the new mailbox',
        );

        await execRaw(client, 'SETQUOTA', [
          atom(USER_MAILBOX),
          [atom('STORAGE'), atom(String(QUOTA_KIB))],
        ]);
        const quota = await client.getQuota(USER_MAILBOX);
        assert.ok(quota, 'GETQUOTAROOT returned nothing');
        assert.equal(quota.quotaRoot, USER_MAILBOX);
        assert.deepEqual(quota.storage, { usage: 0, limit: QUOTA_KIB * 1024, status: '0%' }); // imapflow reports bytes

        // The admin has only implicit l+a on user mailboxes; DELETE needs x.
        await execRaw(client, 'SETACL', [atom(USER_MAILBOX), atom(backend.adminUser), atom('x')]);
        await client.mailboxDelete(USER_MAILBOX);
        assert.ok(
          !(await listPaths(client)).includes(USER_MAILBOX),
          'LIST still shows the deleted mailbox',
        );
      });
    });
  }

  void test('the admin has no INBOX, so imapflow keeps user/ paths as they are', async () => {
    const backend = backends[0];
    await withImap(backend, adminLogin(backend), async (client) => {
      assert.equal(client.namespace?.prefix ?? '', '');
      assert.ok(!(await listPaths(client)).some((p) => p.toUpperCase() === 'INBOX'));
    });
  });

  void test('setUserPassword lets the user log in, and only with that password', async () => {
    const backend = backends[1];
    const address = 'bob@example.com';
    await withImap(backend, adminLogin(backend), (client) =>
      client.mailboxCreate(`user/${address}`),
    );
    await backend.setUserPassword(address, 'bob-secret');

    const inbox = await withImap(backend, { user: address, pass: 'bob-secret' }, async (client) => {
      return (await client.mailboxOpen('INBOX')).path;
    });
    assert.equal(inbox, 'INBOX');
    const loginFails = (auth: Login) =>
      assert.rejects(
        withImap(backend, auth, () => Promise.resolve()),
        { authenticationFailed: true },
      );
    // in parallel: Cyrus pauses every failed login for 3 s
    await Promise.all([
      loginFails({ user: address, pass: 'wrong' }),
      // the realm comes from the domain: the same name in another domain is another user
      loginFails({ user: 'bob@other.example', pass: 'bob-secret' }),
    ]);
  });

  void test('stop() then start() keeps ports and data', async (t) => {
    const backend = backends[0];
    const mailbox = 'user/carol@example.com';
    await withImap(backend, adminLogin(backend), (client) => client.mailboxCreate(mailbox));
    const ports = [backend.imapPort, backend.lmtpPort, backend.sievePort];

    let started = Date.now();
    await backend.stop();
    const stopMs = Date.now() - started;
    assert.equal(backend.isRunning(), false);
    await assert.rejects(readUntil(backend.imapPort, /\r\n/), /ECONNREFUSED/);
    await backend.stop(); // a second stop is a no-op

    started = Date.now();
    await backend.start();
    const startMs = Date.now() - started;
    t.diagnostic(`stop ${stopMs} ms, start ${startMs} ms`);
    assert.equal(backend.isRunning(), true);
    assert.deepEqual([backend.imapPort, backend.lmtpPort, backend.sievePort], ports);
    await withImap(backend, adminLogin(backend), async (client) => {
      assert.ok((await listPaths(client)).includes(mailbox), 'mailbox lost across restart');
    });
  });

  void test('the sieve port greets with a ManageSieve banner', async () => {
    for (const backend of backends) {
      const banner = await readUntil(backend.sievePort, /^OK/m);
      assert.match(banner, /^"IMPLEMENTATION" "Cyrus timsieved/m);
      assert.match(banner, /^"SASL" "PLAIN LOGIN"/m);
    }
  });

  void test('a user can upload and activate a sieve script (sievedir is writable)', async () => {
    const backend = backends[1];
    const address = 'dave@example.com';
    // timsieved refuses users whose INBOX does not exist
    await withImap(backend, adminLogin(backend), (client) =>
      client.mailboxCreate(`user/${address}`),
    );
    await backend.setUserPassword(address, 'dave-secret');

    const session = await ManageSieve.open(backend.sievePort);
    try {
      const plain = Buffer.from(`\0${address}\0dave-secret`).toString('base64');
      assert.match(await session.send(`AUTHENTICATE "PLAIN" "${plain}"`), /^OK/);
      const script = 'require "fileinto";\r\nkeep;\r\n';
      assert.match(
        await session.send(`PUTSCRIPT "roost" {${Buffer.byteLength(script)}+}\r\n${script}`),
        /^OK/,
      );
      assert.match(await session.send('SETACTIVE "roost"'), /^OK/);
      assert.match(await session.send('LISTSCRIPTS'), /^"roost" ACTIVE\r\nOK/);
    } finally {
      session.close();
    }
  });
});

/** Connects and reads until `done` matches what the server sent. */
function readUntil(port: number, done: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    socket.setTimeout(5_000, () =>
      socket.destroy(new Error(`timeout; got ${JSON.stringify(text)}`)),
    );
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!done.test(text)) return;
      socket.destroy();
      resolve(text);
    });
  });
}

/** Just enough ManageSieve (RFC 5804) for the test: one command at a time, reply ends in OK/NO/BYE. */
class ManageSieve {
  private buffer = '';
  private waiter: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setTimeout(5_000, () => socket.destroy(new Error('ManageSieve timeout')));
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      this.waiter?.();
    });
  }

  static async open(port: number): Promise<ManageSieve> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const session = new ManageSieve(socket);
    await session.reply(); // capability greeting
    return session;
  }

  async send(command: string): Promise<string> {
    this.socket.write(`${command}\r\n`);
    return this.reply();
  }

  close(): void {
    this.socket.destroy();
  }

  private reply(): Promise<string> {
    const final = /(^|\r\n)(OK|NO|BYE)( [^\r\n]*)?\r\n$/;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!final.test(this.buffer)) return;
        const text = this.buffer;
        this.buffer = '';
        this.waiter = undefined;
        resolve(text);
      };
      this.socket.once('close', () =>
        reject(new Error(`ManageSieve closed; got ${JSON.stringify(this.buffer)}`)),
      );
      this.waiter = check;
      check();
    });
  }
}
