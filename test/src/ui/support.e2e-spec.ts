import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MailboxState, Role } from '@roost/core';
import { ImapFlow } from 'imapflow';
import type { Browser, Page } from 'playwright-core';
import { seedAdmin, seedDomain, type SeededAdmin } from '../factories/api-fixtures';
import {
  launchChromium,
  openPage,
  saveScreenshot,
  signIn,
  startUiStack,
  until,
  type UiStack,
} from '../factories/ui-fixtures';

// Support in the console: one search box, the user page, a password reset with a ticket, and
// the new password works for a direct IMAP login on the Cyrus backend, which checks passwords
// against Roost (saslauthd -> PAM -> /api/mail-auth/verify). Then the mail user's own reset-link
// page, with the same proof.

const ADDRESS = 'dave@gamma.example';
const FIRST_PASSWORD = 'Original-Secret-4821';

/** A direct login to the backend as the mail user; true when the server says OK. */
async function imapLoginWorks(stack: UiStack, user: string, pass: string): Promise<boolean> {
  const [cyrus] = stack.cyrus;
  const client = new ImapFlow({
    host: cyrus.host,
    port: cyrus.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const status = await client.status('INBOX', { messages: true });
    await client.logout();
    return status !== false && typeof status.messages === 'number';
  } catch {
    client.close();
    return false;
  }
}

void describe('web console: support resets a password', () => {
  let stack: UiStack;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  let support: SeededAdmin;
  let mailboxId: number;

  before(async () => {
    stack = await startUiStack({ label: 'ui-sup', cyrus: 1, roostAuth: true, workers: true });
    const domainId = await seedDomain(stack.pg, { name: 'gamma.example' });
    const root = await seedAdmin(stack.pg, { role: Role.Superadmin });
    support = await seedAdmin(stack.pg, {
      role: Role.Support,
      username: 'helpdesk',
      domainIds: [domainId],
    });
    // the mailbox is made through the API and provisioned by the workers, like any other
    const res = await fetch(`${stack.baseUrl}/api/mailboxes`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${root.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ address: ADDRESS, displayName: 'Dave', password: FIRST_PASSWORD }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    mailboxId = ((await res.json()) as { id: number }).id;
    await until(async () => {
      const { rows } = await stack.pg.query<{ state: MailboxState }>(
        'SELECT state FROM mailboxes WHERE id = $1',
        [mailboxId],
      );
      return rows[0]?.state === MailboxState.Active;
    }, 'the mailbox to be provisioned');
    assert.equal(await imapLoginWorks(stack, ADDRESS, FIRST_PASSWORD), true, 'first password');

    browser = await launchChromium();
    ({ page, pageErrors } = await openPage(browser));
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  void it('finds the user with the search box and opens the user page', async () => {
    await signIn(page, stack.baseUrl, support.username, support.password);
    await page.getByLabel('search users').fill('dave@');
    await page.getByRole('button', { name: new RegExp(ADDRESS) }).click();
    await page.waitForURL(new RegExp(`/mailboxes/${mailboxId}/show$`));
    await page.getByTestId('user-address').getByText(ADDRESS).waitFor();
    await page.locator('.MuiChip-root', { hasText: 'active' }).waitFor();
    // support reads and resets; it does not edit, suspend or move
    assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Suspend' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /another backend/ }).count(), 0);
  });

  void it('resets the password with a ticket; the temporary password opens IMAP', async () => {
    await page.getByRole('button', { name: 'Reset password' }).click();
    const dialog = page.getByRole('dialog');
    // a reason is required for support: the button stays disabled without one
    assert.equal(await dialog.getByRole('button', { name: 'Reset' }).isDisabled(), true);
    await dialog.getByLabel(/Reason or ticket/).fill('TICKET-4711 user locked out');
    await dialog.getByRole('button', { name: 'Reset' }).click();
    await dialog.getByText('Shown only once').waitFor();
    const temporary = await dialog
      .getByRole('textbox', { name: 'Temporary password' })
      .inputValue();
    assert.ok(temporary.length >= 12, 'a generated temporary password is shown once');
    await dialog.getByRole('button', { name: 'Done' }).click();

    assert.equal(await imapLoginWorks(stack, ADDRESS, temporary), true, 'temporary password');
    assert.equal(await imapLoginWorks(stack, ADDRESS, FIRST_PASSWORD), false, 'old password');

    // the user page shows what happened, with the ticket
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByText('The user must change the password at the next login.').waitFor();
    const events = page.getByRole('table', { name: 'recent events' });
    await events.getByText('TICKET-4711 user locked out').waitFor();
    await saveScreenshot(page, 'support-reset');
  });

  void it('issues a reset link; the mail user sets a password on it that opens IMAP', async () => {
    await page.getByRole('button', { name: 'Reset password' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Single-use reset link/).check();
    await dialog.getByLabel(/Reason or ticket/).fill('TICKET-4712 wants a link');
    await dialog.getByRole('button', { name: 'Reset' }).click();
    const url = await dialog.getByRole('textbox', { name: 'Reset link' }).inputValue();
    assert.match(url, new RegExp(`^${stack.baseUrl}/reset-password#token=rr_`));
    await dialog.getByRole('button', { name: 'Done' }).click();

    // the mail user opens the link in a browser of their own (no admin session)
    const user = await openPage(browser);
    await user.page.goto(url);
    await user.page.getByText(`For ${ADDRESS}`).waitFor();
    await user.page.getByLabel(/^New password\s*\*?$/).fill('short');
    await user.page.getByLabel(/^New password again/).fill('short');
    await user.page.getByRole('button', { name: 'Set password' }).click();
    // the API's reason lands under the field
    await user.page.locator('#new-password-helper-text, p.Mui-error').first().waitFor();

    const chosen = 'Harbour-Lantern-9130!';
    await user.page.getByLabel(/^New password\s*\*?$/).fill(chosen);
    await user.page.getByLabel(/^New password again/).fill(chosen);
    await user.page.getByRole('button', { name: 'Set password' }).click();
    await user.page.getByText(`The password of ${ADDRESS} is set`).waitFor();
    await saveScreenshot(user.page, 'support-reset-link-landing');
    assert.deepEqual(user.pageErrors, []);
    await user.page.context().close();

    assert.equal(await imapLoginWorks(stack, ADDRESS, chosen), true, 'password set on the link');

    // final screen: the user page with both resets in its recent events
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page
      .getByRole('table', { name: 'recent events' })
      .getByText('TICKET-4712 wants a link')
      .waitFor();
    await saveScreenshot(page, 'support');
    assert.deepEqual(pageErrors, []);
  });
});
