import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { Role } from '@roost/core';
import type { Locator } from 'playwright-core';
import { create as createQr } from 'qrcode';
import { seedAdmin, type SeededAdmin } from '../factories/api-fixtures';
import { saveScreenshot } from '../factories/ui-fixtures';
import { consoleLab } from './console-lab';

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

/** The dark (1) and light (0) pixels of an <img>, row by row, as the browser decoded it. */
async function imagePixels(img: Locator): Promise<{ width: number; dark: string }> {
  // no DOM types in the test project: the browser's own objects, described as far as used
  type Canvas = {
    width: number;
    height: number;
    getContext(kind: '2d'): {
      drawImage(image: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    };
  };
  return img.evaluate((el) => {
    const image = el as unknown as { naturalWidth: number; naturalHeight: number };
    const doc = (globalThis as unknown as { document: { createElement(t: 'canvas'): Canvas } })
      .document;
    const canvas = doc.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let dark = '';
    for (let i = 0; i < data.length; i += 4) dark += data[i] < 128 ? '1' : '0';
    return { width: canvas.width, dark };
  });
}

/**
 * Whether the image is the QR code of `text` (error correction M, a 2-module margin, as the
 * console draws it): each module's centre pixel against the symbol the encoder makes.
 */
function modulesMismatching(text: string, image: { width: number; dark: string }): number {
  const { modules } = createQr(text, { errorCorrectionLevel: 'M' });
  const margin = 2;
  const scale = image.width / (modules.size + 2 * margin);
  let wrong = 0;
  for (let r = 0; r < modules.size; r++)
    for (let c = 0; c < modules.size; c++) {
      const y = Math.floor((r + margin + 0.5) * scale);
      const x = Math.floor((c + margin + 0.5) * scale);
      const expected = modules.get(r, c) ? '1' : '0';
      if (image.dark[y * image.width + x] !== expected) wrong++;
    }
  return wrong;
}

void describe('web console: sign-in, second factor and session end', () => {
  const lab = consoleLab({ label: 'ui-auth' });
  let admin: SeededAdmin;
  let secret: string;

  before(async () => {
    admin = await seedAdmin(lab.stack.pg, { role: Role.Superadmin, totpRequired: true });
  });

  void it('refuses a wrong password without saying whether the account exists', async () => {
    await lab.page.goto(`${lab.stack.baseUrl}/login`);
    await lab.page.getByLabel('Username').fill(admin.username);
    await lab.page.getByLabel('Password').fill('not-the-password');
    await lab.page.getByRole('button', { name: 'Sign in' }).click();
    await lab.page.getByText('wrong username, password or code').waitFor();
  });

  void it('makes an admin who must use TOTP enrol it before anything else', async () => {
    await lab.signIn(admin);
    await lab.page.getByText('Your account requires a second factor').waitFor();
    const menu = lab.page.getByRole('menu');
    assert.deepEqual(await menu.getByRole('menuitem').allInnerTexts(), ['My account']);

    await lab.page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    secret = await lab.page.getByRole('textbox', { name: 'Key' }).inputValue();
    // the QR code next to the key holds the otpauth URI with that key
    const uri = await lab.page.getByRole('textbox', { name: 'otpauth link' }).inputValue();
    assert.match(uri, new RegExp(`^otpauth://totp/.*[?&]secret=${secret}(&|$)`));
    const qr = lab.page.getByRole('img', { name: 'QR code of the otpauth link' });
    await qr.waitFor();
    const pixels = await imagePixels(qr);
    assert.ok(pixels.width >= 100, `a scannable size (${pixels.width} px)`);
    assert.equal(modulesMismatching(uri, pixels), 0, 'the QR code encodes the otpauth URI');
    assert.ok(modulesMismatching(`${uri}x`, pixels) > 0, 'and not some other text');
    await saveScreenshot(lab.page, 'sign-in-totp-enrolment');
    await lab.page.getByLabel('Code').fill(totp(secret));
    await lab.page.getByRole('button', { name: 'Confirm' }).click();
    // the console starts again with the whole superadmin menu
    await lab.page.getByRole('menuitem', { name: 'Admins' }).waitFor();
    await lab.page.getByRole('menuitem', { name: 'Backends' }).waitFor();
  });

  void it('asks for the code at the next sign-in and refuses a wrong one', async () => {
    await lab.page
      .getByRole('button', { name: /Profile|superadmin/ })
      .first()
      .click();
    await lab.page.getByRole('menuitem', { name: 'Logout' }).click();
    await lab.page.waitForURL(/\/login/);

    await lab.page.getByLabel('Username').fill(admin.username);
    await lab.page.getByLabel('Password').fill(admin.password);
    await lab.page.getByRole('button', { name: 'Sign in' }).click();
    const code = lab.page.getByLabel(/Code from your authenticator/);
    await code.fill(totp(secret) === '000000' ? '111111' : '000000');
    await lab.page.getByRole('button', { name: 'Verify' }).click();
    await lab.page.getByText('Wrong code, try again').waitFor();
    // the enrolment spent this window's code; the next window's is within the API's tolerance
    await code.fill(totp(secret, 1));
    await lab.page.getByRole('button', { name: 'Verify' }).click();
    await lab.page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await lab.page.getByRole('menuitem', { name: 'Admins' }).waitFor();
  });

  void it('sends the console to the login page, saying why, when the session ends', async () => {
    await lab.stack.pg.query(
      `UPDATE admin_credentials SET revoked_at = now() WHERE kind = 'session' AND admin_id = $1`,
      [admin.id],
    );
    // the API remembers a session's owner for up to 5 s (credential-cache.ts)
    await sleep(5_500);
    // A background refresh may already have found the session gone and left for the login page;
    // otherwise the next navigation does.
    if (!/\/login/.test(lab.page.url())) {
      await lab.page
        .getByRole('menuitem', { name: 'Domains', exact: true })
        .click({ timeout: 5_000 })
        .catch(() => undefined); // gone meanwhile: the redirect below is what must happen
    }
    await lab.page.waitForURL(/\/login\?expired=1/);
    await lab.page.getByText('Your session has ended; sign in again.').waitFor();
    await lab.screenshotWithoutErrors('sign-in-session-ended');
  });
});
