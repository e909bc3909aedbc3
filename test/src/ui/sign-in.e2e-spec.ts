import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Role } from '@roost/core';
import type { Browser, Page } from 'playwright-core';
import { seedAdmin, type SeededAdmin } from '../factories/api-fixtures';
import {
  launchChromium,
  openPage,
  saveScreenshot,
  signIn,
  startUiStack,
  type UiStack,
} from '../factories/ui-fixtures';

// Signing in to the console: an admin who must use a second factor enrols it on the account
// page, then signs in with a code; a session that ends on the server sends the console back to
// the login page, which says why.

/** RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret, `stepOffset` windows from now. */
function totp(secret: string, stepOffset = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase())
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + stepOffset));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

void describe('web console: sign-in, second factor and session end', () => {
  let stack: UiStack;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  let admin: SeededAdmin;
  let secret: string;

  before(async () => {
    stack = await startUiStack({ label: 'ui-auth' });
    admin = await seedAdmin(stack.pg, { role: Role.Superadmin, totpRequired: true });
    browser = await launchChromium();
    ({ page, pageErrors } = await openPage(browser));
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  void it('refuses a wrong password without saying whether the account exists', async () => {
    await page.goto(`${stack.baseUrl}/login`);
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('wrong username, password or code').waitFor();
  });

  void it('makes an admin who must use TOTP enrol it before anything else', async () => {
    await signIn(page, stack.baseUrl, admin.username, admin.password);
    await page.getByText('Your account requires a second factor').waitFor();
    const menu = page.getByRole('menu');
    assert.deepEqual(await menu.getByRole('menuitem').allInnerTexts(), ['My account']);

    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    secret = await page.getByRole('textbox', { name: 'Key' }).inputValue();
    await page.getByLabel('Code').fill(totp(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    // the console starts again with the whole superadmin menu
    await page.getByRole('menuitem', { name: 'Admins' }).waitFor();
    await page.getByRole('menuitem', { name: 'Backends' }).waitFor();
  });

  void it('asks for the code at the next sign-in and refuses a wrong one', async () => {
    await page
      .getByRole('button', { name: /Profile|superadmin/ })
      .first()
      .click();
    await page.getByRole('menuitem', { name: 'Logout' }).click();
    await page.waitForURL(/\/login/);

    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const code = page.getByLabel(/Code from your authenticator/);
    await code.fill(totp(secret) === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Wrong code, try again').waitFor();
    // the enrolment spent this window's code; the next window's is within the API's tolerance
    await code.fill(totp(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.getByRole('menuitem', { name: 'Admins' }).waitFor();
  });

  void it('sends the console to the login page, saying why, when the session ends', async () => {
    await stack.pg.query(
      `UPDATE admin_credentials SET revoked_at = now() WHERE kind = 'session' AND admin_id = $1`,
      [admin.id],
    );
    // the API remembers a session's owner for up to 5 s (credential-cache.ts)
    await sleep(5_500);
    // A background refresh may already have found the session gone and left for the login page;
    // otherwise the next navigation does.
    if (!/\/login/.test(page.url())) {
      await page
        .getByRole('menuitem', { name: 'Domains', exact: true })
        .click({ timeout: 5_000 })
        .catch(() => undefined); // gone meanwhile: the redirect below is what must happen
    }
    await page.waitForURL(/\/login\?expired=1/);
    await page.getByText('Your session has ended; sign in again.').waitFor();
    await saveScreenshot(page, 'sign-in-session-ended');
    assert.deepEqual(pageErrors, []);
  });
});
