import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MailboxState, MoveState, PlanState, Role } from '@roost/core';
import { seedAdmin, seedDomain, seedMailbox, type SeededAdmin } from '../factories/api-fixtures';
import { until } from '../factories/ui-fixtures';
import { consoleLab, createMailboxWithMail, mailboxPlacement } from './console-lab';

// Ops act on moves and plans from the console: cancel a queued move in the moves list (the
// worker rolls it back), retry it (a new move that the workers carry out between two real Cyrus
// backends), and take a rebalance plan through approve, pause and cancel.

const ADDRESS = 'frank@echo.example';
const USER_PASSWORD = 'Granite-Lantern-Secret-907';
const DONE_STATES: string[] = [MoveState.Flipped, MoveState.Retained, MoveState.Cleaned];
const GIB = 2 ** 30;

interface MoveRow {
  id: number;
  state: MoveState;
  cancelRequested: boolean;
  targetBackendId: number;
  rebalancePlanId: number | null;
}

void describe('web console: ops actions on moves and plans', () => {
  const lab = consoleLab({ label: 'ui-opsact', cyrus: 2, workers: true });
  let ops: SeededAdmin;
  let domainId: number;
  let mailboxId: number;

  before(async () => {
    domainId = await seedDomain(lab.stack.pg, { name: 'echo.example' });
    const root = await seedAdmin(lab.stack.pg, { role: Role.Superadmin });
    ops = await seedAdmin(lab.stack.pg, { role: Role.Ops, username: 'nightshift' });

    mailboxId = await createMailboxWithMail(
      lab.stack,
      root.token,
      { address: ADDRESS, displayName: 'Frank', password: USER_PASSWORD },
      Array.from({ length: 10 }, (_, i) => ({
        raw: `From: a@example.net\r\nTo: ${ADDRESS}\r\nSubject: retry me ${i}\r\n\r\nhello ${i}\r\n`,
      })),
    );

    await lab.signIn(ops);
  });

  const mailbox = () => mailboxPlacement(lab.stack, mailboxId);

  async function moves(where = 'mailbox_id = $1', params: unknown[] = [mailboxId]) {
    const { rows } = await lab.stack.pg.query<{
      id: string;
      state: MoveState;
      cancel_requested: boolean;
      target_backend_id: number;
      rebalance_plan_id: number | null;
    }>(
      `SELECT id, state, cancel_requested, target_backend_id, rebalance_plan_id
         FROM moves WHERE ${where} ORDER BY id`,
      params,
    );
    return rows.map((r): MoveRow => ({
      id: Number(r.id),
      state: r.state,
      cancelRequested: r.cancel_requested,
      targetBackendId: Number(r.target_backend_id),
      rebalancePlanId: r.rebalance_plan_id,
    }));
  }

  async function auditActions(targetType: string, targetId: number): Promise<string[]> {
    const { rows } = await lab.stack.pg.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE target_type = $1 AND target_id = $2 ORDER BY id`,
      [targetType, String(targetId)],
    );
    return rows.map((r) => r.action);
  }

  /** The moves list's row of move `id` (the first cell is the id). */
  const moveRow = (id: number) =>
    lab.page
      .locator('tbody tr')
      .filter({ has: lab.page.locator('td', { hasText: new RegExp(`^${id}$`) }) });

  void it('cancels a queued move from the moves list, then retries it until it flips', async () => {
    const { backendId: sourceId } = await mailbox();
    const targetId = lab.stack.backendIds.find((id) => id !== sourceId)!;
    // a move that waits in the queue (no job yet), as after a worker restart
    const { rows } = await lab.stack.pg.query<{ id: string }>(
      `INSERT INTO moves (mailbox_id, source_backend_id, target_backend_id, requested_by)
       VALUES ($1, $2, $3, $4) RETURNING id`,
      [mailboxId, sourceId, targetId, ops.id],
    );
    const queuedId = Number(rows[0].id);

    await lab.page.goto(`${lab.stack.baseUrl}/moves?filter=${encodeURIComponent('{}')}`);
    const queued = moveRow(queuedId);
    await queued.getByText(MoveState.Queued, { exact: true }).waitFor();
    assert.equal(await queued.getByRole('button', { name: 'Retry' }).count(), 0);

    await queued.getByRole('button', { name: 'Cancel' }).click();
    const dialog = lab.page.getByRole('dialog');
    await dialog.getByText('Cancel this move?').waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await lab.page.getByText('Cancel requested: the move rolls back').waitFor();

    // the worker rolls it back; the list (polling every 2 s) shows the end and offers a retry
    await queued.getByRole('button', { name: 'Retry' }).waitFor({ timeout: 60_000 });
    const [cancelled] = await moves();
    assert.equal(cancelled.id, queuedId);
    assert.ok(cancelled.cancelRequested);
    assert.ok(
      [MoveState.Cancelled, MoveState.RolledBack].includes(cancelled.state),
      `the move ended ${cancelled.state}`,
    );
    assert.equal(await queued.getByRole('button', { name: 'Cancel' }).count(), 0);
    assert.equal((await mailbox()).backendId, sourceId, 'the user stays on the source');
    assert.equal((await mailbox()).state, MailboxState.Active);

    await queued.getByRole('button', { name: 'Retry' }).click();
    await lab.page.getByText('Move queued again').waitFor();
    let retried: MoveRow | undefined;
    await until(
      async () => {
        retried = (await moves()).find((m) => m.id !== queuedId);
        return !!retried;
      },
      'the retried move',
      10_000,
    );
    const retryRow = moveRow(retried!.id);
    await until(
      async () => {
        const m = (await moves()).find((x) => x.id === retried!.id)!;
        if (m.state === MoveState.Failed || m.state === MoveState.RolledBack)
          throw new Error(`the retried move ended ${m.state}`);
        return DONE_STATES.includes(m.state);
      },
      'the retried move to flip',
      180_000,
    );
    await retryRow.getByText(/^(flipped|retained|cleaned)$/).waitFor();
    await retryRow.getByText(/100%/).first().waitFor();
    assert.equal(await retryRow.getByRole('button', { name: /Cancel|Retry/ }).count(), 0);

    const after = await mailbox();
    assert.equal(after.backendId, targetId, 'the routing entry points at the target');
    assert.equal(after.state, MailboxState.Active);
    assert.deepEqual(await auditActions('move', queuedId), ['move.cancel']);
    assert.deepEqual(await auditActions('move', retried!.id), ['move.retry']);
    await lab.screenshotWithoutErrors('ops-move-cancel-retry');
  });

  void it('approves a rebalance plan, then pauses and cancels it', async () => {
    // heavy (database-only) mailboxes on the first backend make the plan move some of them
    for (let i = 0; i < 10; i++)
      await seedMailbox(lab.stack.pg, {
        domainId,
        address: `heavy${i}@echo.example`,
        backendId: lab.stack.backendIds[0],
        usedBytes: 40 * GIB,
        quotaBytes: 50 * GIB,
      });
    // a maintenance window that opens hours from now: approved, no move may start yet
    const hhmm = (hoursFromNow: number) =>
      new Date(Date.now() + hoursFromNow * 3600_000).toISOString().slice(11, 16);

    await lab.page.goto(`${lab.stack.baseUrl}/plans/create`);
    await lab.page.getByLabel(/Tolerance/).fill('5');
    await lab.page.getByLabel(/Maintenance window start/).fill(hhmm(6));
    await lab.page.getByLabel(/Maintenance window end/).fill(hhmm(7));
    await lab.page.getByLabel('Reason or ticket').fill('CHG-2231');
    await lab.page.getByRole('button', { name: 'Dry run' }).click();
    await lab.page.waitForURL(/\/plans\/\d+\/show$/);
    const planId = Number(/\/plans\/(\d+)\/show$/.exec(lab.page.url())![1]);
    const figure = (value: string) => lab.page.getByRole('heading', { name: value, exact: true });
    await figure(PlanState.Draft).waitFor();
    await lab.page
      .getByRole('table', { name: 'planned moves' })
      .locator('tbody tr')
      .first()
      .waitFor();

    const plan = async () => {
      const { rows } = await lab.stack.pg.query<{
        state: PlanState;
        approved_by: number | null;
        planned: number;
      }>(
        `SELECT state, approved_by, jsonb_array_length(dry_run->'moves') AS planned
           FROM rebalance_plans WHERE id = $1`,
        [planId],
      );
      return rows[0];
    };
    const planned = (await plan()).planned;
    assert.ok(planned > 0, 'the dry run plans moves');

    // approve, after a confirmation that says how many moves
    await lab.page.getByRole('button', { name: 'Approve' }).click();
    const dialog = lab.page.getByRole('dialog');
    await dialog.getByText(`Approve ${planned} moves?`).waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await lab.page.getByText('Plan approved').waitFor();
    await figure(PlanState.Running).waitFor();
    await lab.page.getByText('Progress', { exact: true }).waitFor();
    await lab.page.getByRole('button', { name: 'Pause' }).waitFor();
    assert.equal(await lab.page.getByRole('button', { name: 'Approve' }).count(), 0);
    let row = await plan();
    assert.equal(row.state, PlanState.Running);
    assert.equal(Number(row.approved_by), ops.id);

    await lab.page.getByRole('button', { name: 'Pause' }).click();
    await lab.page.getByText('Plan paused').waitFor();
    await figure(PlanState.Paused).waitFor();
    await lab.page.getByRole('button', { name: 'Resume' }).waitFor();
    assert.equal(await lab.page.getByRole('button', { name: 'Pause' }).count(), 0);
    assert.equal((await plan()).state, PlanState.Paused);

    await lab.page.getByRole('button', { name: 'Cancel plan' }).click();
    await dialog.getByText('Cancel this plan?').waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await lab.page.getByText('Plan cancelled').waitFor();
    await figure(PlanState.Cancelled).waitFor();
    for (const name of ['Approve', 'Pause', 'Resume', 'Cancel plan'])
      assert.equal(await lab.page.getByRole('button', { name }).count(), 0, `no ${name} button`);
    row = await plan();
    assert.equal(row.state, PlanState.Cancelled);
    assert.deepEqual(
      await moves('rebalance_plan_id = $1', [planId]),
      [],
      'no move started outside the window',
    );
    assert.deepEqual(await auditActions('rebalance-plan', planId), [
      'rebalance.plan',
      'rebalance.approve',
      'rebalance.pause',
      'rebalance.cancel',
    ]);
    await lab.screenshotWithoutErrors('ops-rebalance-approve-pause-cancel');
  });
});
