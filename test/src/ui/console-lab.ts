import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { MailboxState } from '@roost/core';
import { ImapFlow } from 'imapflow';
import type { Browser, Page } from 'playwright-core';
import type { SeededAdmin } from '../factories/api-fixtures';
import {
  launchChromium,
  openPage,
  saveScreenshot,
  signIn,
  startUiStack,
  until,
  type UiStack,
  type UiStackOptions,
} from '../factories/ui-fixtures';

// What every console test file sets up: the stack (API, database, Redis, optional Cyrus and
// workers), a Chromium and one page; closed again after the file.

export interface ConsoleLab {
  stack: UiStack;
  browser: Browser;
  page: Page;
  /** Errors the page logged; a test asserts there were none it did not expect. */
  pageErrors: string[];
  /** Signs `admin` in on the lab's page. */
  signIn(admin: SeededAdmin): Promise<void>;
  /** Saves a screenshot of the page and asserts that it logged no errors so far. */
  screenshotWithoutErrors(name: string): Promise<void>;
}

/**
 * Registers the `before` that starts the lab and the `after` that closes it, in the calling
 * `describe`. Call it first: the file's own `before` runs after it and can seed `lab.stack`.
 */
export function consoleLab(opts: UiStackOptions): ConsoleLab {
  const lab = {
    async signIn(admin: SeededAdmin) {
      await signIn(lab.page, lab.stack.baseUrl, admin.username, admin.password);
    },
    async screenshotWithoutErrors(name: string) {
      await saveScreenshot(lab.page, name);
      assert.deepEqual(lab.pageErrors, []);
    },
  } as ConsoleLab;

  before(async () => {
    lab.stack = await startUiStack(opts);
    lab.browser = await launchChromium();
    Object.assign(lab, await openPage(lab.browser));
  });

  after(async () => {
    await lab.browser?.close();
    await lab.stack?.close();
  });

  return lab;
}

export interface NewMailbox {
  address: string;
  displayName: string;
  password: string;
}

/** Creates a mailbox through the API as `token` and waits until the workers provisioned it. */
export async function createMailbox(
  stack: UiStack,
  token: string,
  mailbox: NewMailbox,
): Promise<{ id: number; backendId: number }> {
  const res = await fetch(`${stack.baseUrl}/api/mailboxes`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(mailbox),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { id } = (await res.json()) as { id: number };
  await until(
    async () => (await mailboxPlacement(stack, id)).state === MailboxState.Active,
    'the mailbox to be provisioned',
  );
  return { id, backendId: (await mailboxPlacement(stack, id)).backendId };
}

/** The mailbox's state and the backend it is on, as the database has them now. */
export async function mailboxPlacement(
  stack: UiStack,
  id: number,
): Promise<{ state: MailboxState; backendId: number }> {
  const { rows } = await stack.pg.query<{ state: MailboxState; backend_id: number }>(
    'SELECT state, backend_id FROM mailboxes WHERE id = $1',
    [id],
  );
  return { state: rows[0].state, backendId: Number(rows[0].backend_id) };
}

/**
 * A mailbox made as `createMailbox` makes it, with `messages` in its INBOX: the user gets the
 * password on the Cyrus backend (sasldb) and appends them over a direct login. Returns its id.
 */
export async function createMailboxWithMail(
  stack: UiStack,
  token: string,
  mailbox: NewMailbox,
  messages: { raw: string; flags?: string[] }[],
): Promise<number> {
  const { id, backendId } = await createMailbox(stack, token, mailbox);
  const cyrus = stack.cyrus[stack.backendIds.indexOf(backendId)];
  await cyrus.setUserPassword(mailbox.address, mailbox.password);
  const client = new ImapFlow({
    host: cyrus.host,
    port: cyrus.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: mailbox.address, pass: mailbox.password },
    logger: false,
  });
  client.on('error', () => undefined);
  await client.connect();
  for (const { raw, flags } of messages) await client.append('INBOX', raw, flags ?? []);
  await client.logout();
  return id;
}
