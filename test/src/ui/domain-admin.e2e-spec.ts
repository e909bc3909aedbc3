import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { cyrusMailboxName, MailboxState, Role, TlsMode } from '@roost/core';
import { withAdmin } from '@roost/imap';
import { seedAdmin, seedDomain, seedMailbox, type SeededAdmin } from '../factories/api-fixtures';
import { saveScreenshot, until } from '../factories/ui-fixtures';
import { consoleLab } from './console-lab';

// A domain admin in the console: creates a mailbox (provisioned on a real Cyrus backend by the
// real workers) and an alias, sees the API's field errors next to the fields, and never sees
// another domain, neither in lists nor by typing its URL.

void describe('web console: domain admin', () => {
  const lab = consoleLab({ label: 'ui-da', cyrus: 1, workers: true });
  let admin: SeededAdmin;
  let otherDomainId: number;
  let otherMailboxId: number;

  before(async () => {
    const alpha = await seedDomain(lab.stack.pg, {
      name: 'alpha.example',
      maxMailboxes: 20,
      totalQuotaBytes: 20 * 2 ** 30,
    });
    otherDomainId = await seedDomain(lab.stack.pg, { name: 'beta.example' });
    otherMailboxId = await seedMailbox(lab.stack.pg, {
      domainId: otherDomainId,
      address: 'bob@beta.example',
      backendId: lab.stack.backendIds[0],
    });
    admin = await seedAdmin(lab.stack.pg, {
      role: Role.DomainAdmin,
      username: 'alpha-admin',
      domainIds: [alpha],
    });
  });

  const helperText = (source: string) =>
    lab.page.locator(`.ra-input-${source} .MuiFormHelperText-root`);

  void it('signs in and sees only its own domain on the dashboard', async () => {
    await lab.signIn(admin);
    await lab.page.getByText('Your domains').waitFor();
    await lab.page.getByRole('link', { name: 'alpha.example' }).waitFor();
    await lab.page.getByText(/0 of 20 mailboxes/).waitFor();
    assert.equal(await lab.page.getByText('beta.example').count(), 0);
  });

  void it('shows the field error of the API next to the address', async () => {
    await lab.page.goto(`${lab.stack.baseUrl}/mailboxes/create`);
    await lab.page.getByLabel('Address').fill('carol@beta.example');
    await lab.page.getByRole('button', { name: 'Save' }).click();
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
    assert.match(lab.page.url(), /\/mailboxes\/create$/);
    await saveScreenshot(lab.page, 'domain-admin-field-error');
  });

  void it('creates a mailbox that the workers provision on the Cyrus backend', async () => {
    await lab.page.getByLabel('Address').fill('carol@alpha.example');
    await lab.page.getByLabel('Display name').fill('Carol Example');
    await lab.page.getByLabel('Quota (MiB)').fill('200');
    await lab.page.getByRole('button', { name: 'Save' }).click();

    const dialog = lab.page.getByRole('dialog');
    await dialog.getByText('This password is shown only once').waitFor();
    const password = await dialog.getByRole('textbox', { name: 'Generated password' }).inputValue();
    assert.ok(password.length >= 12, 'a generated password is shown once');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await lab.page.waitForURL(/\/mailboxes\/\d+\/show$/);

    // provisioning -> active, as the user page shows it (refreshed by hand like a person would)
    await until(
      async () => {
        await lab.page.getByRole('button', { name: 'Refresh' }).click();
        return (
          (await lab.page.locator('.MuiChip-root', { hasText: MailboxState.Active }).count()) > 0
        );
      },
      'the mailbox to become active',
      60_000,
    );
    await lab.page.getByText('200 MiB').first().waitFor();

    const [cyrus] = lab.stack.cyrus;
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
    await lab.page.goto(`${lab.stack.baseUrl}/aliases/create`);
    await lab.page.getByLabel('Address').fill('sales@alpha.example');
    await lab.page.getByLabel('Targets').fill('carol@alpha.example');
    await lab.page.getByRole('button', { name: 'Save' }).click();
    await lab.page.waitForURL(/\/aliases$/);
    const row = lab.page.locator('tr', { hasText: 'sales@alpha.example' });
    await row.waitFor();
    assert.match(await row.innerText(), /carol@alpha\.example/);
  });

  void it('cannot see the other domain, in lists or by URL', async () => {
    await lab.page.goto(`${lab.stack.baseUrl}/mailboxes`);
    await lab.page.locator('tr', { hasText: 'carol@alpha.example' }).waitFor();
    assert.equal(await lab.page.getByText('bob@beta.example').count(), 0);

    await lab.page.getByPlaceholder('Address starts with').fill('bob');
    await lab.page.getByText(/found using the current filters/).waitFor();
    assert.equal(await lab.page.locator('tr', { hasText: 'carol@alpha.example' }).count(), 0);

    // typed URLs: the API answers 404 and the console says the record does not exist
    for (const path of [`/mailboxes/${otherMailboxId}/show`, `/domains/${otherDomainId}/show`]) {
      await lab.page.goto(`${lab.stack.baseUrl}${path}`);
      await lab.page
        .getByText(/does not exist|not found/i)
        .first()
        .waitFor();
      assert.equal(await lab.page.getByText('bob@beta.example').count(), 0);
      assert.equal(await lab.page.getByText('beta.example', { exact: true }).count(), 0);
    }

    // the list remembers its filter: ask for none
    await lab.page.goto(`${lab.stack.baseUrl}/mailboxes?filter=${encodeURIComponent('{}')}`);
    await lab.page.locator('tr', { hasText: 'carol@alpha.example' }).getByText('active').waitFor();
    await lab.screenshotWithoutErrors('domain-admin');
  });
});
