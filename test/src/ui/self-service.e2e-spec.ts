import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { hashPassword } from '@roost/api';
import { seedBackend, seedDomain, seedMailbox } from '../factories/api-fixtures';
import { consoleLab } from './console-lab';

// A mail user changes their own password on /password (no sign-in): the new-password fields
// (shared with the reset-link page) say when the two differ and show the API's reason under the
// field; the new password then replaces the old one.

const ADDRESS = 'gina@foxtrot.example';
const OLD_PASSWORD = 'Quartz-Meadow-Lantern-42';
const NEW_PASSWORD = 'Juniper-Cobalt-Harbour-77';

void describe('web console: mail-user self-service password change', () => {
  const lab = consoleLab({ label: 'ui-self' });
  let mailboxId: number;

  before(async () => {
    const domainId = await seedDomain(lab.stack.pg, { name: 'foxtrot.example' });
    mailboxId = await seedMailbox(lab.stack.pg, {
      domainId,
      address: ADDRESS,
      backendId: await seedBackend(lab.stack.pg),
      passwordHash: await hashPassword(OLD_PASSWORD),
    });
  });

  const storedHash = async () =>
    (
      await lab.stack.pg.query<{ password_hash: string }>(
        'SELECT password_hash FROM mailboxes WHERE id = $1',
        [mailboxId],
      )
    ).rows[0].password_hash;

  const newPassword = () => lab.page.getByLabel(/^New password\s*\*?$/);
  const repeat = () => lab.page.getByLabel(/^New password again/);
  /** The helper text under the "New password" input (its aria-describedby), once in error. */
  async function newPasswordError(): Promise<string> {
    const id = await newPassword().getAttribute('aria-describedby');
    assert.ok(id, 'the field has a helper text');
    const helper = lab.page.locator(`[id="${id}"].Mui-error`);
    await helper.waitFor();
    return helper.innerText();
  }

  async function fillForm(current: string, next: string, again = next) {
    await lab.page.goto(`${lab.stack.baseUrl}/password`);
    await lab.page.getByLabel(/^Email address/).fill(ADDRESS);
    await lab.page.getByLabel(/^Current password/).fill(current);
    await newPassword().fill(next);
    await repeat().fill(again);
  }

  void it('says when the two new passwords differ and shows the API reason under the field', async () => {
    const before = await storedHash();
    await fillForm(OLD_PASSWORD, NEW_PASSWORD, `${NEW_PASSWORD}!`);
    await lab.page.getByText('does not match').waitFor();
    assert.ok(await lab.page.getByRole('button', { name: 'Change password' }).isDisabled());

    await newPassword().fill('short');
    await repeat().fill('short');
    await lab.page.getByRole('button', { name: 'Change password' }).click();
    const reason = await newPasswordError();
    assert.notEqual(reason, 'long and not used anywhere else', 'the API reason, not the hint');
    assert.match(reason, /\w/);
    assert.equal(await storedHash(), before, 'nothing changed');
  });

  void it('changes the password, and the new one is the one that works afterwards', async () => {
    const before = await storedHash();
    await fillForm(OLD_PASSWORD, NEW_PASSWORD);
    await lab.page.getByRole('button', { name: 'Change password' }).click();
    await lab.page.getByText('Your password is changed.').waitFor();
    const after = await storedHash();
    assert.notEqual(after, before);

    // the old password no longer passes; the new one does
    await fillForm(OLD_PASSWORD, 'Another-Orchid-Window-19');
    await lab.page.getByRole('button', { name: 'Change password' }).click();
    await lab.page
      .getByRole('alert')
      .filter({ hasText: /wrong|password/i })
      .waitFor();
    assert.equal(await storedHash(), after);
    await fillForm(NEW_PASSWORD, 'Another-Orchid-Window-19');
    await lab.page.getByRole('button', { name: 'Change password' }).click();
    await lab.page.getByText('Your password is changed.').waitFor();
    assert.notEqual(await storedHash(), after);
    await lab.screenshotWithoutErrors('self-service-password');
  });
});
