import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Role } from '@roost/core';
import { ImapFlow } from 'imapflow';
import { seedAdmin, seedDomain, seedMailbox, type SeededAdmin } from '../factories/api-fixtures';
import { openPage, saveScreenshot, type UiStack } from '../factories/ui-fixtures';
import { consoleLab, createMailbox } from './console-lab';

// Support in the console: one search box (address or name), the user page, a password reset with a ticket, and
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
  const lab = consoleLab({ label: 'ui-sup', cyrus: 1, roostAuth: true, workers: true });
  let support: SeededAdmin;
  let mailboxId: number;

  before(async () => {
    const domainId = await seedDomain(lab.stack.pg, { name: 'gamma.example' });
    const root = await seedAdmin(lab.stack.pg, { role: Role.Superadmin });
    support = await seedAdmin(lab.stack.pg, {
      role: Role.Support,
      username: 'helpdesk',
      domainIds: [domainId],
    });
    // the mailbox is made through the API and provisioned by the workers, like any other
    mailboxId = (
      await createMailbox(lab.stack, root.token, {
        address: ADDRESS,
        displayName: 'Dave Lindqvist',
        password: FIRST_PASSWORD,
      })
    ).id;
    assert.equal(await imapLoginWorks(lab.stack, ADDRESS, FIRST_PASSWORD), true, 'first password');
    // a namesake in a domain support does not look after
    const elsewhere = await seedDomain(lab.stack.pg, { name: 'delta.example' });
    const { rows: backends } = await lab.stack.pg.query<{ id: number }>(
      'SELECT id FROM backends ORDER BY id LIMIT 1',
    );
    await seedMailbox(lab.stack.pg, {
      domainId: elsewhere,
      address: 'erik@delta.example',
      displayName: 'Erik Lindqvist',
      backendId: backends[0].id,
    });
  });

  void it('finds a user by a word of their name, only within scope', async () => {
    await lab.signIn(support);
    const box = lab.page.getByLabel('search users');
    await lab.page.getByText(/or of a name or any word of it/).waitFor();
    await box.fill('LINDQ');
    const results = lab.page.getByRole('list', { name: 'search results' });
    await results.getByRole('button', { name: new RegExp(ADDRESS) }).waitFor();
    await results.getByText('Dave Lindqvist').waitFor();
    // the namesake in another domain stays out of the results
    assert.equal(await results.getByRole('button').count(), 1);
    assert.equal(await lab.page.getByText('erik@delta.example').count(), 0);
    await saveScreenshot(lab.page, 'support-search-by-name');
    await box.fill('lindqvista');
    await lab.page.getByText('No mailbox address or name starts with “lindqvista”.').waitFor();
    await box.fill('');
  });

  void it('finds the user with the search box and opens the user page', async () => {
    await lab.page.getByLabel('search users').fill('dave@');
    await lab.page.getByRole('button', { name: new RegExp(ADDRESS) }).click();
    await lab.page.waitForURL(new RegExp(`/mailboxes/${mailboxId}/show$`));
    await lab.page.getByTestId('user-address').getByText(ADDRESS).waitFor();
    await lab.page.locator('.MuiChip-root', { hasText: 'active' }).waitFor();
    // support reads and resets; it does not edit, suspend or move
    assert.equal(await lab.page.getByRole('link', { name: 'Edit' }).count(), 0);
    assert.equal(await lab.page.getByRole('button', { name: 'Suspend' }).count(), 0);
    assert.equal(await lab.page.getByRole('button', { name: /another backend/ }).count(), 0);
  });

  void it('resets the password with a ticket; the temporary password opens IMAP', async () => {
    await lab.page.getByRole('button', { name: 'Reset password' }).click();
    const dialog = lab.page.getByRole('dialog');
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

    assert.equal(await imapLoginWorks(lab.stack, ADDRESS, temporary), true, 'temporary password');
    assert.equal(await imapLoginWorks(lab.stack, ADDRESS, FIRST_PASSWORD), false, 'old password');

    // the user page shows what happened, with the ticket
    await lab.page.getByRole('button', { name: 'Refresh' }).click();
    await lab.page.getByText('The user must change the password at the next login.').waitFor();
    const events = lab.page.getByRole('table', { name: 'recent events' });
    await events.getByText('TICKET-4711 user locked out').waitFor();
    await saveScreenshot(lab.page, 'support-reset');
  });

  void it('issues a reset link; the mail user sets a password on it that opens IMAP', async () => {
    await lab.page.getByRole('button', { name: 'Reset password' }).click();
    const dialog = lab.page.getByRole('dialog');
    await dialog.getByLabel(/Single-use reset link/).check();
    await dialog.getByLabel(/Reason or ticket/).fill('TICKET-4712 wants a link');
    await dialog.getByRole('button', { name: 'Reset' }).click();
    const url = await dialog.getByRole('textbox', { name: 'Reset link' }).inputValue();
    assert.match(url, new RegExp(`^${lab.stack.baseUrl}/reset-password#token=rr_`));
    await dialog.getByRole('button', { name: 'Done' }).click();

    // the mail user opens the link in a browser of their own (no admin session)
    const user = await openPage(lab.browser);
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

    assert.equal(
      await imapLoginWorks(lab.stack, ADDRESS, chosen),
      true,
      'password set on the link',
    );

    // final screen: the user page with both resets in its recent events
    await lab.page.getByRole('button', { name: 'Refresh' }).click();
    await lab.page
      .getByRole('table', { name: 'recent events' })
      .getByText('TICKET-4712 wants a link')
      .waitFor();
    await lab.screenshotWithoutErrors('support');
  });
});
