import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MailboxState, Role } from '@roost/core';
import type { Locator } from 'playwright-core';
import { seedAdmin, seedDomain, type SeededAdmin } from '../factories/api-fixtures';
import { saveScreenshot, until } from '../factories/ui-fixtures';
import { consoleLab } from './console-lab';

// A domain admin imports mailboxes from CSV (the dry run's preview table shows each row's
// errors; the apply creates the rows, which the workers provision on a real Cyrus backend), then
// suspends, re-quotas and deletes several mailboxes at once from the list, each after a
// confirmation. Every step is checked on the screen and in the database.

const DOMAIN = 'bulk.example';
const MIB = 2 ** 20;

interface Row {
  address: string;
  state: MailboxState;
  quotaBytes: number;
  displayName: string;
  stateReason: string | null;
  deleteAfter: Date | null;
}

void describe('web console: CSV import and bulk actions on mailboxes', () => {
  const lab = consoleLab({ label: 'ui-bulk', cyrus: 1, workers: true });
  let admin: SeededAdmin;
  let domainId: number;

  before(async () => {
    domainId = await seedDomain(lab.stack.pg, {
      name: DOMAIN,
      maxMailboxes: 10,
      maxQuotaBytes: 500 * MIB,
      totalQuotaBytes: 4 * 2 ** 30,
      defaultQuotaBytes: 100 * MIB,
    });
    await seedDomain(lab.stack.pg, { name: 'elsewhere.example' });
    admin = await seedAdmin(lab.stack.pg, {
      role: Role.DomainAdmin,
      username: 'bulk-admin',
      domainIds: [domainId],
    });
    await lab.signIn(admin);
  });

  async function rows(): Promise<Map<string, Row>> {
    const { rows } = await lab.stack.pg.query<{
      address: string;
      state: MailboxState;
      quota_bytes: string;
      display_name: string;
      state_reason: string | null;
      delete_after: Date | null;
    }>(
      `SELECT address, state, quota_bytes, display_name, state_reason, delete_after
         FROM mailboxes WHERE domain_id = $1 ORDER BY address`,
      [domainId],
    );
    return new Map(
      rows.map((r) => [
        r.address,
        {
          address: r.address,
          state: r.state,
          quotaBytes: Number(r.quota_bytes),
          displayName: r.display_name,
          stateReason: r.state_reason,
          deleteAfter: r.delete_after,
        },
      ]),
    );
  }

  /** The "Check" cell (last column) of preview row `n` (1-based, as the table numbers them). */
  const checkCell = (preview: Locator, n: number) =>
    preview
      .locator('tbody tr')
      .nth(n - 1)
      .locator('td')
      .last();

  void it('shows the per-row errors of the dry run and writes nothing', async () => {
    await lab.page.goto(`${lab.stack.baseUrl}/import`);
    await lab.page
      .getByLabel('CSV', { exact: true })
      .fill(
        [
          'address,display_name,quota_bytes',
          `ann@${DOMAIN},Ann,`,
          `not an address,Nobody,`,
          `cid@elsewhere.example,Cid,`,
          `dee@${DOMAIN},Dee,${600 * MIB}`,
        ].join('\n'),
      );
    const preview = lab.page.getByRole('table', { name: 'import preview' });
    await preview.locator('tbody tr').nth(3).waitFor();
    assert.equal(await preview.locator('tbody tr').count(), 4);

    await lab.page.getByRole('button', { name: 'Dry run' }).click();
    await lab.page.getByText(/problems; fix the CSV and run the dry run again/).waitFor();

    assert.match(await checkCell(preview, 1).innerText(), /^ok$/);
    assert.match(await checkCell(preview, 2).innerText(), /address/);
    assert.match(await checkCell(preview, 3).innerText(), /address: .*elsewhere\.example/);
    assert.match(await checkCell(preview, 4).innerText(), /quota_bytes|quotaBytes/);
    assert.ok(
      await lab.page.getByRole('button', { name: 'Import 4 rows' }).isDisabled(),
      'no apply while rows have errors',
    );
    assert.equal((await rows()).size, 0, 'a dry run writes nothing');
    await saveScreenshot(lab.page, 'bulk-import-dry-run-errors');
  });

  void it('applies a clean CSV after its dry run and the workers provision the rows', async () => {
    await lab.page
      .getByLabel('CSV', { exact: true })
      .fill(
        [
          'address,display_name,quota_bytes,password',
          `ann@${DOMAIN},Ann,${200 * MIB},Anchor-Violet-Harbour-81`,
          `bea@${DOMAIN},Bea,,`,
          `cid@${DOMAIN},Cid,${150 * MIB},`,
          `dee@${DOMAIN},Dee,,`,
        ].join('\n'),
      );
    const preview = lab.page.getByRole('table', { name: 'import preview' });
    await lab.page.getByRole('button', { name: 'Dry run' }).click();
    await lab.page.getByText('Dry run: all 4 rows are valid. Nothing was written yet.').waitFor();
    for (let n = 1; n <= 4; n++) assert.equal(await checkCell(preview, n).innerText(), 'ok');
    assert.equal((await rows()).size, 0, 'still nothing written after the clean dry run');

    await lab.page.getByRole('button', { name: 'Import 4 rows' }).click();
    await lab.page.getByText('Imported 4 mailboxes.').waitFor();
    // the three rows without a password get one generated, shown once
    await lab.page.getByText('Generated passwords (shown once)').waitFor();
    for (const local of ['bea', 'cid', 'dee'])
      assert.ok(
        (await lab.page.getByRole('textbox', { name: `${local}@${DOMAIN}` }).inputValue()).length >=
          12,
      );
    assert.equal(await lab.page.getByRole('textbox', { name: `ann@${DOMAIN}` }).count(), 0);

    const created = await rows();
    assert.deepEqual(
      [...created.keys()],
      ['ann', 'bea', 'cid', 'dee'].map((l) => `${l}@${DOMAIN}`),
    );
    assert.equal(created.get(`ann@${DOMAIN}`)!.quotaBytes, 200 * MIB);
    assert.equal(created.get(`bea@${DOMAIN}`)!.quotaBytes, 100 * MIB, 'the domain default');
    assert.equal(created.get(`cid@${DOMAIN}`)!.displayName, 'Cid');
    await until(
      async () => [...(await rows()).values()].every((r) => r.state === MailboxState.Active),
      'the imported mailboxes to be provisioned',
      90_000,
    );
    await saveScreenshot(lab.page, 'bulk-import-applied');
  });

  /** Ticks the list's checkbox of each address. */
  async function select(addresses: string[]) {
    for (const a of addresses)
      await lab.page.locator('tr', { hasText: a }).getByRole('checkbox').check();
    await lab.page
      .getByText(`${addresses.length} item${addresses.length > 1 ? 's' : ''} selected`)
      .waitFor();
  }

  const rowOf = (address: string) => lab.page.locator('tbody tr', { hasText: address });

  async function openList() {
    await lab.page.goto(`${lab.stack.baseUrl}/mailboxes?filter=${encodeURIComponent('{}')}`);
    await rowOf(`dee@${DOMAIN}`).waitFor();
  }

  void it('shows the domain usage on the domains list', async () => {
    await lab.page.goto(`${lab.stack.baseUrl}/domains`);
    const row = lab.page.locator('tbody tr', { hasText: DOMAIN });
    await row.getByText(/4 of 10 mailboxes/).waitFor();
    // 200 + 100 + 150 + 100 MiB allocated of 4 GiB
    await row.getByText(/550 MiB of 4\.00 GiB quota allocated/).waitFor();
    assert.equal(await row.getByRole('meter').count(), 3, 'mailboxes, aliases and quota bars');
  });

  void it('suspends the selected mailboxes after a confirmation', async () => {
    await openList();
    await select([`ann@${DOMAIN}`, `bea@${DOMAIN}`]);
    await lab.page.getByRole('button', { name: 'Suspend' }).click();
    const dialog = lab.page.getByRole('dialog');
    await dialog.getByText('Suspend 2 mailboxes?').waitFor();
    // closing the dialog changes nothing
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await rows()).get(`ann@${DOMAIN}`)!.state, MailboxState.Active);

    await lab.page.getByRole('button', { name: 'Suspend' }).click();
    await dialog.getByLabel('Reason or ticket (audit log)').fill('TICKET-4711');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await lab.page.getByText('Suspend: 2 mailboxes').waitFor();

    await rowOf(`ann@${DOMAIN}`).getByText(MailboxState.Suspended).waitFor();
    await rowOf(`bea@${DOMAIN}`).getByText(MailboxState.Suspended).waitFor();
    const after = await rows();
    for (const a of [`ann@${DOMAIN}`, `bea@${DOMAIN}`]) {
      assert.equal(after.get(a)!.state, MailboxState.Suspended, a);
      assert.equal(after.get(a)!.stateReason, 'TICKET-4711', a);
    }
    assert.equal(after.get(`cid@${DOMAIN}`)!.state, MailboxState.Active, 'unselected rows stay');
    const { rows: audit } = await lab.stack.pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'mailbox.suspend' AND reason = 'TICKET-4711'`,
    );
    assert.equal(audit[0].n, 2, 'one audit event per mailbox');
  });

  void it('changes the quota of the selected mailboxes and lists the ones a limit refuses', async () => {
    await openList();
    await select([`cid@${DOMAIN}`, `dee@${DOMAIN}`]);
    await lab.page.getByRole('button', { name: 'Change quota' }).click();
    const dialog = lab.page.getByRole('dialog');
    await dialog.getByText('Change the quota of 2 mailboxes?').waitFor();
    await dialog.getByLabel('New quota (MiB)').fill('300');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await lab.page.getByText('Quota changed: 2 mailboxes').waitFor();
    await rowOf(`cid@${DOMAIN}`)
      .getByText(/of 300 MiB/)
      .waitFor();
    await rowOf(`dee@${DOMAIN}`)
      .getByText(/of 300 MiB/)
      .waitFor();
    let now = await rows();
    assert.equal(now.get(`cid@${DOMAIN}`)!.quotaBytes, 300 * MIB);
    assert.equal(now.get(`dee@${DOMAIN}`)!.quotaBytes, 300 * MIB);
    assert.equal(now.get(`ann@${DOMAIN}`)!.quotaBytes, 200 * MIB, 'unselected rows stay');

    // above the domain's 500 MiB per mailbox: refused, said so, nothing changed
    await select([`cid@${DOMAIN}`]);
    await lab.page.getByRole('button', { name: 'Change quota' }).click();
    await dialog.getByLabel('New quota (MiB)').fill('600');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await lab.page.getByText(/Quota changed: 0 done, 1 refused/).waitFor();
    now = await rows();
    assert.equal(now.get(`cid@${DOMAIN}`)!.quotaBytes, 300 * MIB);
  });

  void it('deletes the selected mailboxes after a confirmation', async () => {
    await openList();
    // a refused quota change keeps its selection: start from none
    const selected = lab.page.getByText(/items? selected/);
    if (await selected.count()) await lab.page.getByRole('button', { name: 'Unselect' }).click();
    await select([`bea@${DOMAIN}`, `dee@${DOMAIN}`]);
    await lab.page.getByRole('button', { name: 'Delete' }).click();
    const dialog = lab.page.getByRole('dialog');
    await dialog.getByText('Delete 2 mailboxes?').waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await until(
      async () => {
        const now = await rows();
        return [`bea@${DOMAIN}`, `dee@${DOMAIN}`].every(
          (a) => now.get(a)?.state === MailboxState.Deleting,
        );
      },
      'the two mailboxes to be marked for deletion',
      15_000,
    );
    const now = await rows();
    for (const a of [`bea@${DOMAIN}`, `dee@${DOMAIN}`])
      assert.ok(now.get(a)!.deleteAfter, `${a} is kept until its retention ends`);
    assert.equal(now.get(`ann@${DOMAIN}`)!.state, MailboxState.Suspended);
    assert.equal(now.get(`cid@${DOMAIN}`)!.state, MailboxState.Active);
    // the rows stay, marked for deletion (restorable until the retention ends)
    await rowOf(`dee@${DOMAIN}`).getByText(MailboxState.Deleting).waitFor();
    await lab.screenshotWithoutErrors('bulk-actions');
  });
});
