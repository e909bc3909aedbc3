import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cyrusMailboxName, MailboxState, Role, TlsMode } from '@roost/core';
import { withAdmin } from '@roost/imap';
import type { Browser, Page } from 'playwright-core';
import { seedAdmin, seedDomain, seedMailbox, type SeededAdmin } from '../factories/api-fixtures';
import {
  launchChromium,
  openPage,
  saveScreenshot,
  signIn,
  startUiStack,
  until,
  type UiStack,
} from '../factories/ui-fixtures';

// A domain admin in the console: creates a mailbox (provisioned on a real Cyrus backend by the
// real workers) and an alias, sees the API's field errors next to the fields, and never sees
// another domain, neither in lists nor by typing its URL.

void describe('web console: domain admin', () => {
  let stack: UiStack;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  let admin: SeededAdmin;
  let otherDomainId: number;
  let otherMailboxId: number;

  before(async () => {
    stack = await startUiStack({ label: 'ui-da', cyrus: 1, workers: true });
    const alpha = await seedDomain(stack.pg, {
      name: 'alpha.example',
      maxMailboxes: 20,
      totalQuotaBytes: 20 * 2 ** 30,
    });
    otherDomainId = await seedDomain(stack.pg, { name: 'beta.example' });
    otherMailboxId = await seedMailbox(stack.pg, {
      domainId: otherDomainId,
      address: 'bob@beta.example',
      backendId: stack.backendIds[0],
    });
    admin = await seedAdmin(stack.pg, {
      role: Role.DomainAdmin,
      username: 'alpha-admin',
      domainIds: [alpha],
    });
    browser = await launchChromium();
    ({ page, pageErrors } = await openPage(browser));
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  const helperText = (source: string) =>
    page.locator(`.ra-input-${source} .MuiFormHelperText-root`);

  void it('signs in and sees only its own domain on the dashboard', async () => {
    await signIn(page, stack.baseUrl, admin.username, admin.password);
    await page.getByText('Your domains').waitFor();
    await page.getByRole('link', { name: 'alpha.example' }).waitFor();
    await page.getByText(/0 of 20 mailboxes/).waitFor();
    assert.equal(await page.getByText('beta.example').count(), 0);
  });

  void it('shows the field error of the API next to the address', async () => {
    await page.goto(`${stack.baseUrl}/mailboxes/create`);
    await page.getByLabel('Address').fill('carol@beta.example');
    await page.getByRole('button', { name: 'Save' }).click();
    // the API refuses a domain outside the admin's scope; the reason lands under the input
    await until(
      async () =>
        (await helperText('address').getAttribute('class'))?.includes('Mui-error') ?? false,
      'the address field error',
      10_000,
    );
    assert.equal(
      await helperText('address').innerText(),
      'beta.example is not a domain you manage',
    );
    assert.match(page.url(), /\/mailboxes\/create$/);
    await saveScreenshot(page, 'domain-admin-field-error');
  });

  void it('creates a mailbox that the workers provision on the Cyrus backend', async () => {
    await page.getByLabel('Address').fill('carol@alpha.example');
    await page.getByLabel('Display name').fill('Carol Example');
    await page.getByLabel('Quota (MiB)').fill('200');
    await page.getByRole('button', { name: 'Save' }).click();

    const dialog = page.getByRole('dialog');
    await dialog.getByText('This password is shown only once').waitFor();
    const password = await dialog.getByRole('textbox', { name: 'Generated password' }).inputValue();
    assert.ok(password.length >= 12, 'a generated password is shown once');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.waitForURL(/\/mailboxes\/\d+\/show$/);

    // provisioning -> active, as the user page shows it (refreshed by hand like a person would)
    await until(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return (await page.locator('.MuiChip-root', { hasText: MailboxState.Active }).count()) > 0;
      },
      'the mailbox to become active',
      60_000,
    );
    await page.getByText('200 MiB').first().waitFor();

    const [cyrus] = stack.cyrus;
    const names = await withAdmin(
      {
        name: cyrus.name,
        imapHost: cyrus.host,
        imapPort: cyrus.imapPort,
        tlsMode: TlsMode.None,
        tlsVerify: true,
        adminUser: cyrus.adminUser,
      },
      cyrus.adminPassword,
      (s) => s.listUserMailboxes('carol@alpha.example'),
    );
    assert.ok(names.includes(cyrusMailboxName('carol@alpha.example')), names.join(', '));
  });

  void it('creates an alias to the new mailbox', async () => {
    await page.goto(`${stack.baseUrl}/aliases/create`);
    await page.getByLabel('Address').fill('sales@alpha.example');
    await page.getByLabel('Targets').fill('carol@alpha.example');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/aliases$/);
    const row = page.locator('tr', { hasText: 'sales@alpha.example' });
    await row.waitFor();
    assert.match(await row.innerText(), /carol@alpha\.example/);
  });

  void it('cannot see the other domain, in lists or by URL', async () => {
    await page.goto(`${stack.baseUrl}/mailboxes`);
    await page.locator('tr', { hasText: 'carol@alpha.example' }).waitFor();
    assert.equal(await page.getByText('bob@beta.example').count(), 0);

    await page.getByPlaceholder('Address starts with').fill('bob');
    await page.getByText(/found using the current filters/).waitFor();
    assert.equal(await page.locator('tr', { hasText: 'carol@alpha.example' }).count(), 0);

    // typed URLs: the API answers 404 and the console says the record does not exist
    for (const path of [`/mailboxes/${otherMailboxId}/show`, `/domains/${otherDomainId}/show`]) {
      await page.goto(`${stack.baseUrl}${path}`);
      await page
        .getByText(/does not exist|not found/i)
        .first()
        .waitFor();
      assert.equal(await page.getByText('bob@beta.example').count(), 0);
      assert.equal(await page.getByText('beta.example', { exact: true }).count(), 0);
    }

    // the list remembers its filter: ask for none
    await page.goto(`${stack.baseUrl}/mailboxes?filter=${encodeURIComponent('{}')}`);
    await page.locator('tr', { hasText: 'carol@alpha.example' }).getByText('active').waitFor();
    await saveScreenshot(page, 'domain-admin');
    assert.deepEqual(pageErrors, []);
  });
});
