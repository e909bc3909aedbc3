import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDataSource } from '@roost/db';
import { runRelayControl } from '@roost/workers';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../harness/database';

// The relay control commands workers run after routing changes: every active relay, each call
// recorded in relay_calls. The real Postfix relay is driven this way in mail-flow.e2e-spec.ts.

interface CallRow {
  relay: string;
  action: string;
  reason: string;
  exit_code: number | null;
  output: string;
}

void describe('relay control', () => {
  let db: TestDatabase;
  let ds: DataSource;

  before(async () => {
    db = await createTestDatabase({ prefix: 'roost_relayctl' });
    ds = createDataSource(db.url, 2);
    await ds.initialize();
  });

  beforeEach(async () => {
    await ds.query(`DELETE FROM relays`); // and their calls (ON DELETE CASCADE)
  });

  after(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const addRelay = async (name: string, command: unknown, active = true) => {
    await ds.query(`INSERT INTO relays (name, control_command, active) VALUES ($1, $2, $3)`, [
      name,
      JSON.stringify(command),
      active,
    ]);
  };
  const calls = (): Promise<CallRow[]> =>
    ds.query(
      `SELECT r.name AS relay, c.action, c.reason, c.exit_code, c.output
         FROM relay_calls c JOIN relays r ON r.id = c.relay_id ORDER BY c.id`,
    );

  void test('runs reload, or reload then flush, on every active relay and records each call', async () => {
    await addRelay('relay-a', ['/bin/echo', 'postfix', '{action}']);
    await addRelay('relay-b', ['/bin/sh', '-c', 'echo "$0 done"', '{action}']);
    await addRelay('relay-off', ['/bin/false'], false);

    const reload = await runRelayControl(ds, 'reload', 'move 1 frozen');
    assert.deepEqual(
      reload.map((r) => [r.relayName, r.action, r.ok, r.output]),
      [
        ['relay-a', 'reload', true, 'postfix reload'],
        ['relay-b', 'reload', true, 'reload done'],
      ],
    );
    const flush = await runRelayControl(ds, 'flush', 'move 1 flipped');
    assert.deepEqual(
      flush.map((r) => [r.relayName, r.action, r.ok]),
      [
        ['relay-a', 'reload', true],
        ['relay-a', 'flush', true],
        ['relay-b', 'reload', true],
        ['relay-b', 'flush', true],
      ],
    );
    const recorded = await calls();
    assert.equal(recorded.length, 6);
    assert.ok(recorded.every((c) => c.exit_code === 0 && c.relay !== 'relay-off'));
    // Relays run in parallel; on each one the reload comes first.
    const flipped = recorded.filter((c) => c.reason === 'move 1 flipped');
    for (const [relay, outputs] of [
      ['relay-a', ['postfix reload', 'postfix flush']],
      ['relay-b', ['reload done', 'flush done']],
    ] as const) {
      assert.deepEqual(
        flipped.filter((c) => c.relay === relay).map((c) => c.output),
        outputs,
      );
    }
  });

  void test('records failures, missing commands, timeouts and bad templates without throwing', async () => {
    await addRelay('fails', ['/bin/sh', '-c', 'echo "queue file write error" >&2; exit 75']);
    await addRelay('missing', ['/nonexistent/postfix', '{action}']);
    await addRelay('hangs', ['/bin/sleep', '30']);
    await addRelay('bad', { reload: ['postfix', 'reload'] });

    const started = Date.now();
    const results = await runRelayControl(ds, 'flush', 'ops asked', { timeoutMs: 500 });
    assert.ok(Date.now() - started < 10_000, 'the timeout ended the hanging command');
    // A failed reload is not followed by a flush.
    assert.deepEqual(
      results.map((r) => [r.relayName, r.action, r.ok, r.exitCode]),
      [
        ['fails', 'reload', false, 75],
        ['missing', 'reload', false, null],
        ['hangs', 'reload', false, null],
        ['bad', 'reload', false, null],
      ],
    );
    const byRelay = new Map((await calls()).map((c) => [c.relay, c.output]));
    assert.match(byRelay.get('fails') ?? '', /queue file write error/);
    assert.match(byRelay.get('missing') ?? '', /ENOENT/);
    assert.match(byRelay.get('hangs') ?? '', /killed after 500 ms/);
    assert.match(byRelay.get('bad') ?? '', /invalid control_command/);
  });
});
