import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendState } from './enums';
import {
  planRebalance,
  type PlannerBackend,
  type PlannerMailbox,
  type RebalancePlanResult,
} from './rebalance-planner';

const GB = 1e9;

/** mulberry32: a small seeded PRNG, so that every fleet here is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal mailbox sizes: most are a few hundred MB, a few are tens of GB. */
function logNormal(random: () => number, median: number, sigma: number): number {
  const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.round(median * Math.exp(sigma * gauss));
}

interface FleetOptions {
  seed: number;
  backends: number;
  mailboxesPerBackend: number;
  /** Each backend holds mailboxesPerBackend x (1 +- skew) mailboxes. */
  skew?: number;
  draining?: number[];
  readonly?: number[];
  down?: number[];
  pinnedFraction?: number;
  /** Fleet fill with equal capacities, before skew. */
  fill?: number;
}

interface Fleet {
  backends: PlannerBackend[];
  mailboxes: PlannerMailbox[];
}

function makeFleet(o: FleetOptions): Fleet {
  const random = prng(o.seed);
  const skew = o.skew ?? 0.3;
  const backends: PlannerBackend[] = [];
  const mailboxes: PlannerMailbox[] = [];
  let mailboxId = 1;
  for (let b = 1; b <= o.backends; b++) {
    const state = o.draining?.includes(b)
      ? BackendState.Draining
      : o.readonly?.includes(b)
        ? BackendState.Readonly
        : o.down?.includes(b)
          ? BackendState.Down
          : BackendState.Active;
    const count = Math.round(o.mailboxesPerBackend * (1 - skew + 2 * skew * random()));
    let usedBytes = 0;
    for (let k = 0; k < count; k++) {
      const size = Math.min(50 * GB, logNormal(random, 300e6, 1.2));
      const pinned = random() < (o.pinnedFraction ?? 0.01);
      mailboxes.push({ id: mailboxId++, backendId: b, usedBytes: size, pinned });
      usedBytes += size;
    }
    backends.push({
      id: b,
      state,
      weight: 1,
      capacityBytes: 0,
      capacityMailboxes: o.mailboxesPerBackend * 3,
      usedBytes,
      mailboxCount: count,
    });
  }
  // Mean size is ~0.62 GB; capacity chosen so that the fleet is about `fill` full.
  const capacity = Math.round((o.mailboxesPerBackend * 0.62 * GB) / (o.fill ?? 0.6));
  for (const b of backends) b.capacityBytes = capacity;
  return { backends, mailboxes };
}

/**
 * Replays the plan on the input, checking each move against where the mailbox is at that point,
 * and returns bytes and mailbox counts per backend id.
 */
function replay(fleet: Fleet, plan: RebalancePlanResult): Map<number, { used: number; n: number }> {
  const at = new Map(fleet.mailboxes.map((m) => [m.id, m]));
  const where = new Map(fleet.mailboxes.map((m) => [m.id, m.backendId]));
  const result = new Map(
    fleet.backends.map((b) => [b.id, { used: b.usedBytes, n: b.mailboxCount }]),
  );
  const moved = new Set<number>();
  for (const move of plan.moves) {
    const mailbox = at.get(move.mailboxId);
    assert.ok(mailbox, `mailbox ${move.mailboxId} exists`);
    assert.ok(!moved.has(move.mailboxId), `mailbox ${move.mailboxId} moves once`);
    moved.add(move.mailboxId);
    assert.equal(where.get(move.mailboxId), move.fromBackendId);
    assert.equal(move.bytes, mailbox.usedBytes);
    assert.notEqual(move.toBackendId, move.fromBackendId);
    where.set(move.mailboxId, move.toBackendId);
    result.get(move.fromBackendId)!.used -= move.bytes;
    result.get(move.fromBackendId)!.n--;
    result.get(move.toBackendId)!.used += move.bytes;
    result.get(move.toBackendId)!.n++;
  }
  assert.equal(
    plan.bytesToMove,
    plan.moves.reduce((sum, m) => sum + m.bytes, 0),
  );
  for (const fill of plan.after) {
    assert.equal(fill.usedBytes, result.get(fill.id)!.used, `after.usedBytes of ${fill.id}`);
    assert.equal(fill.mailboxCount, result.get(fill.id)!.n, `after.mailboxCount of ${fill.id}`);
  }
  return result;
}

/** Target fill when every active backend has weight 1 and none is capped. */
function equalTargetFill(fleet: Fleet): number {
  const state = new Map(fleet.backends.map((b) => [b.id, b.state]));
  let pool = 0;
  let capacity = 0;
  for (const b of fleet.backends) {
    if (b.state === BackendState.Active) {
      pool += b.usedBytes;
      capacity += b.capacityBytes;
    }
  }
  for (const m of fleet.mailboxes) {
    if (!m.pinned && state.get(m.backendId) === BackendState.Draining) pool += m.usedBytes;
  }
  return pool / capacity;
}

function assertBalanced(fleet: Fleet, plan: RebalancePlanResult, tolerance: number): void {
  const after = replay(fleet, plan);
  const targetFill = equalTargetFill(fleet);
  for (const b of fleet.backends) {
    if (b.state !== BackendState.Active) continue;
    const fill = after.get(b.id)!.used / b.capacityBytes;
    assert.ok(
      Math.abs(fill - targetFill) <= tolerance + 1e-12,
      `backend ${b.id}: fill ${fill.toFixed(4)} vs target ${targetFill.toFixed(4)}`,
    );
  }
  assert.equal(plan.withinTolerance, true);
}

function backend(
  id: number,
  usedBytes: number,
  mailboxCount: number,
  extra: Partial<PlannerBackend> = {},
): PlannerBackend {
  return {
    id,
    state: BackendState.Active,
    weight: 1,
    capacityBytes: 100 * GB,
    capacityMailboxes: 1000,
    usedBytes,
    mailboxCount,
    ...extra,
  };
}

/** Mailboxes of the given sizes (GB) on one backend, with ids from `firstId`. */
function mailboxesOf(backendId: number, firstId: number, sizesGb: number[]): PlannerMailbox[] {
  return sizesGb.map((gb, k) => ({
    id: firstId + k,
    backendId,
    usedBytes: gb * GB,
    pinned: false,
  }));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

void describe('planRebalance', () => {
  void it('brings every active backend within tolerance on random fleets', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      for (const tolerance of [0.05, 0.02]) {
        const fleet = makeFleet({ seed, backends: 40, mailboxesPerBackend: 1500, skew: 0.4 });
        const plan = planRebalance(fleet.backends, fleet.mailboxes, { tolerance });
        assert.ok(plan.moves.length > 0, `seed ${seed}: the fleet starts unbalanced`);
        assertBalanced(fleet, plan, tolerance);
      }
    }
  });

  void it('empties draining backends, leaving only pinned mailboxes, reported as stuck', () => {
    const fleet = makeFleet({
      seed: 7,
      backends: 30,
      mailboxesPerBackend: 1000,
      draining: [3, 17],
      pinnedFraction: 0.02,
    });
    const plan = planRebalance(fleet.backends, fleet.mailboxes, { tolerance: 0.05 });
    assertBalanced(fleet, plan, 0.05);
    const after = replay(fleet, plan);
    for (const id of [3, 17]) {
      const pinned = fleet.mailboxes.filter((m) => m.backendId === id && m.pinned);
      const original = fleet.backends.find((b) => b.id === id)!;
      assert.ok(pinned.length > 0);
      assert.equal(after.get(id)!.n, pinned.length);
      assert.equal(after.get(id)!.used, sum(pinned.map((m) => m.usedBytes)));
      assert.equal(plan.after.find((f) => f.id === id)!.targetBytes, 0);
      assert.ok(original.usedBytes > 0);
    }
    const expectedStuck = fleet.mailboxes
      .filter((m) => m.pinned && (m.backendId === 3 || m.backendId === 17))
      .map((m) => ({ mailboxId: m.id, backendId: m.backendId, reason: 'pinned' }));
    assert.deepEqual(plan.stuck, expectedStuck);
  });

  void it('never moves a pinned mailbox', () => {
    const fleet = makeFleet({
      seed: 8,
      backends: 30,
      mailboxesPerBackend: 1000,
      draining: [5],
      pinnedFraction: 0.2,
    });
    const pinned = new Set(fleet.mailboxes.filter((m) => m.pinned).map((m) => m.id));
    const plan = planRebalance(fleet.backends, fleet.mailboxes, { tolerance: 0.05 });
    assert.ok(plan.moves.length > 0);
    for (const move of plan.moves) assert.ok(!pinned.has(move.mailboxId), `${move.mailboxId}`);
  });

  void it('keeps pinned mailboxes in place even when that leaves a backend out of tolerance', () => {
    const backends = [backend(1, 90 * GB, 3), backend(2, 10 * GB, 1)];
    const mailboxes = [
      { id: 1, backendId: 1, usedBytes: 30 * GB, pinned: true },
      { id: 2, backendId: 1, usedBytes: 30 * GB, pinned: true },
      { id: 3, backendId: 1, usedBytes: 30 * GB, pinned: true },
      { id: 4, backendId: 2, usedBytes: 10 * GB, pinned: false },
    ];
    const plan = planRebalance(backends, mailboxes, { tolerance: 0.05 });
    assert.deepEqual(plan.moves, []);
    assert.equal(plan.withinTolerance, false);
    assert.equal(plan.lowerBoundBytes, 35 * GB);
  });

  void it('neither takes from nor gives to read-only and down backends', () => {
    const fleet = makeFleet({
      seed: 9,
      backends: 30,
      mailboxesPerBackend: 1000,
      skew: 0.5,
      draining: [1],
      readonly: [2, 4],
      down: [6, 8],
    });
    const plan = planRebalance(fleet.backends, fleet.mailboxes, { tolerance: 0.05 });
    assertBalanced(fleet, plan, 0.05);
    const untouched = new Set([2, 4, 6, 8]);
    for (const move of plan.moves) {
      assert.ok(!untouched.has(move.fromBackendId), `move from ${move.fromBackendId}`);
      assert.ok(!untouched.has(move.toBackendId), `move to ${move.toBackendId}`);
      assert.notEqual(move.toBackendId, 1);
    }
    for (const id of untouched) {
      const before = plan.before.find((f) => f.id === id)!;
      assert.deepEqual(
        plan.after.find((f) => f.id === id),
        before,
      );
      assert.equal(before.targetBytes, before.usedBytes);
    }
  });

  void it('never fills a destination beyond its capacity in bytes or mailboxes', () => {
    // Backend 2 has weight 3: its proportional share is above its capacity, so its target is
    // capped at the capacity. Backend 3 has room in bytes but only for two more mailboxes.
    const backends = [
      backend(1, 0, 0, { state: BackendState.Draining }),
      backend(2, 40 * GB, 4, { weight: 3 }),
      backend(3, 20 * GB, 8, { capacityMailboxes: 10 }),
      backend(4, 50 * GB, 5),
    ];
    const mailboxes = [
      ...mailboxesOf(1, 100, [5, 5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1]),
      ...mailboxesOf(2, 200, [10, 10, 10, 10]),
      ...mailboxesOf(3, 300, [2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5]),
      ...mailboxesOf(4, 400, [10, 10, 10, 10, 10]),
    ];
    backends[0].usedBytes = sum(mailboxes.filter((m) => m.backendId === 1).map((m) => m.usedBytes));
    backends[0].mailboxCount = 20;
    const fleet = { backends, mailboxes };
    const plan = planRebalance(backends, mailboxes, { tolerance: 0.05 });
    const after = replay(fleet, plan);
    assert.equal(plan.before.find((f) => f.id === 2)!.targetBytes, 100 * GB);
    for (const b of backends) {
      assert.ok(after.get(b.id)!.used <= b.capacityBytes, `bytes on ${b.id}`);
      assert.ok(after.get(b.id)!.n <= b.capacityMailboxes, `mailboxes on ${b.id}`);
    }
    assert.equal(after.get(3)!.n, 10);
    assert.equal(after.get(1)!.n, 0);
  });

  void it('never lets a destination go above target + tolerance', () => {
    const fleet = makeFleet({
      seed: 10,
      backends: 20,
      mailboxesPerBackend: 800,
      draining: [2, 3, 4],
    });
    const tolerance = 0.03;
    const plan = planRebalance(fleet.backends, fleet.mailboxes, { tolerance });
    const after = replay(fleet, plan);
    const receivers = new Set(plan.moves.map((m) => m.toBackendId));
    for (const b of fleet.backends.filter((x) => receivers.has(x.id))) {
      const target = plan.before.find((f) => f.id === b.id)!.targetBytes;
      assert.ok(after.get(b.id)!.used <= target + tolerance * b.capacityBytes);
    }
  });

  void it('leaves a draining mailbox stuck rather than push a destination above its band', () => {
    // Targets are 55 GB; with 5% of 100 GB each destination may grow to 60 GB: 20 GB of room.
    const backends = [
      backend(1, 30 * GB, 1, { state: BackendState.Draining }),
      backend(2, 40 * GB, 1),
      backend(3, 40 * GB, 1),
    ];
    const mailboxes = [
      ...mailboxesOf(1, 1, [30]),
      ...mailboxesOf(2, 2, [40]),
      ...mailboxesOf(3, 3, [40]),
    ];
    const plan = planRebalance(backends, mailboxes, { tolerance: 0.05 });
    assert.deepEqual(plan.moves, []);
    assert.deepEqual(plan.stuck, [{ mailboxId: 1, backendId: 1, reason: 'no-room' }]);
    assert.equal(plan.withinTolerance, false);
  });

  void it('gives each active backend a target proportional to weight x capacity', () => {
    const backends = [
      backend(1, 60 * GB, 6, { weight: 2 }),
      backend(2, 60 * GB, 6, { capacityBytes: 200 * GB }),
      backend(3, 60 * GB, 6),
    ];
    const mailboxes = [
      ...mailboxesOf(1, 100, Array<number>(6).fill(10)),
      ...mailboxesOf(2, 200, Array<number>(6).fill(10)),
      ...mailboxesOf(3, 300, Array<number>(6).fill(10)),
    ];
    const plan = planRebalance(backends, mailboxes, { tolerance: 0.05 });
    // weight x capacity = 200, 200, 100 (GB): the pool of 180 GB splits 72 / 72 / 36.
    const targets = plan.before.map((f) => f.targetBytes / GB);
    assert.deepEqual(
      targets.map((t) => Math.round(t * 1e6) / 1e6),
      [72, 72, 36],
    );
    assert.equal(plan.withinTolerance, true);
    replay({ backends, mailboxes }, plan);
  });

  void it('moves within 10% of the lower bound on realistic fleets', () => {
    const cases: FleetOptions[] = [
      { seed: 11, backends: 50, mailboxesPerBackend: 2000, skew: 0.3 },
      { seed: 12, backends: 50, mailboxesPerBackend: 2000, skew: 0.2, draining: [7, 21] },
      { seed: 13, backends: 40, mailboxesPerBackend: 2000, skew: 0.5, readonly: [1], down: [2] },
      { seed: 14, backends: 60, mailboxesPerBackend: 1000, skew: 0.15, draining: [30] },
    ];
    for (const options of cases) {
      const fleet = makeFleet(options);
      const plan = planRebalance(fleet.backends, fleet.mailboxes, { tolerance: 0.05 });
      assertBalanced(fleet, plan, 0.05);
      assert.ok(plan.lowerBoundBytes > 0);
      assert.ok(plan.bytesToMove >= plan.lowerBoundBytes, `seed ${options.seed}: bound holds`);
      const ratio = plan.bytesToMove / plan.lowerBoundBytes;
      assert.ok(ratio <= 1.1, `seed ${options.seed}: moved ${ratio.toFixed(4)}x the lower bound`);
    }
  });

  void it('fills a new empty backend from the others, close to the lower bound', () => {
    // 30 backends all exactly 60% full, and a new one: only the new one is out of tolerance.
    const fleet = makeFleet({ seed: 15, backends: 30, mailboxesPerBackend: 1500 });
    for (const b of fleet.backends) b.capacityBytes = b.usedBytes / 0.6;
    const capacity = sum(fleet.backends.map((b) => b.capacityBytes)) / 30;
    fleet.backends.push(backend(31, 0, 0, { capacityBytes: capacity, capacityMailboxes: 4500 }));
    const plan = planRebalance(fleet.backends, fleet.mailboxes, { tolerance: 0.05 });
    assertBalanced(fleet, plan, 0.05);
    assert.ok(plan.moves.every((m) => m.toBackendId === 31));
    assert.ok(plan.bytesToMove >= plan.lowerBoundBytes);
    assert.ok(plan.bytesToMove / plan.lowerBoundBytes <= 1.1);
  });

  void it('plans no move for a fleet that is already within tolerance', () => {
    const random = prng(16);
    const backends: PlannerBackend[] = [];
    const mailboxes: PlannerMailbox[] = [];
    for (let b = 1; b <= 20; b++) {
      // Fills between 0.60 and 0.64: all within 0.05 of a target between them.
      const sizes = Array.from({ length: 60 }, () => GB);
      sizes[0] += Math.round(random() * 4 * GB);
      sizes.forEach((usedBytes, k) =>
        mailboxes.push({ id: b * 1000 + k, backendId: b, usedBytes, pinned: false }),
      );
      backends.push(backend(b, sum(sizes), 60));
    }
    const plan = planRebalance(backends, mailboxes, { tolerance: 0.05 });
    assert.deepEqual(plan.moves, []);
    assert.equal(plan.bytesToMove, 0);
    assert.equal(plan.lowerBoundBytes, 0);
    assert.equal(plan.withinTolerance, true);
    assert.deepEqual(plan.after, plan.before);
    const limited = planRebalance(backends, mailboxes, {
      tolerance: 0.05,
      maxMoves: 0,
      maxBytes: 0,
    });
    assert.deepEqual(limited, { ...plan, limitReached: false });
  });

  void it('gives the same plan for the same input, whatever its order', () => {
    const fleet = makeFleet({
      seed: 18,
      backends: 30,
      mailboxesPerBackend: 1000,
      skew: 0.4,
      draining: [4],
    });
    const first = planRebalance(fleet.backends, fleet.mailboxes, { tolerance: 0.04 });
    const second = planRebalance(fleet.backends, fleet.mailboxes, { tolerance: 0.04 });
    assert.deepEqual(second, first);

    const random = prng(19);
    const shuffled = <T>(items: T[]): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy;
    };
    const third = planRebalance(shuffled(fleet.backends), shuffled(fleet.mailboxes), {
      tolerance: 0.04,
    });
    assert.deepEqual(third, first);
  });

  void it('stops at maxMoves and maxBytes and says so', () => {
    const fleet = makeFleet({ seed: 20, backends: 20, mailboxesPerBackend: 1000, draining: [1] });
    const full = planRebalance(fleet.backends, fleet.mailboxes, { tolerance: 0.05 });
    assert.equal(full.limitReached, false);
    assert.ok(full.moves.length > 50);

    const byCount = planRebalance(fleet.backends, fleet.mailboxes, {
      tolerance: 0.05,
      maxMoves: 50,
    });
    assert.equal(byCount.moves.length, 50);
    assert.equal(byCount.limitReached, true);
    assert.equal(byCount.withinTolerance, false);
    replay(fleet, byCount);

    const maxBytes = Math.floor(full.bytesToMove / 3);
    const byBytes = planRebalance(fleet.backends, fleet.mailboxes, { tolerance: 0.05, maxBytes });
    assert.ok(byBytes.bytesToMove <= maxBytes);
    assert.ok(byBytes.bytesToMove > maxBytes * 0.99);
    assert.equal(byBytes.limitReached, true);
    assert.equal(byBytes.withinTolerance, false);
    replay(fleet, byBytes);
  });

  void it('reports draining mailboxes that fit nowhere as stuck', () => {
    const backends = [
      backend(1, 80 * GB, 2, { state: BackendState.Draining }),
      backend(2, 10 * GB, 1, { capacityBytes: 50 * GB }),
    ];
    const mailboxes = [...mailboxesOf(1, 1, [60, 20]), ...mailboxesOf(2, 3, [10])];
    const plan = planRebalance(backends, mailboxes, { tolerance: 0.05 });
    assert.deepEqual(plan.moves, [
      { mailboxId: 2, fromBackendId: 1, toBackendId: 2, bytes: 20 * GB },
    ]);
    assert.deepEqual(plan.stuck, [{ mailboxId: 1, backendId: 1, reason: 'no-room' }]);
    assert.equal(plan.withinTolerance, false);
  });

  void it('has a lower bound no larger than the cheapest valid plan (exhaustive on small fleets)', () => {
    const tolerance = 0.1;
    for (let seed = 1; seed <= 25; seed++) {
      const random = prng(100 + seed);
      const states = [BackendState.Active, BackendState.Active, BackendState.Active];
      if (seed % 3 === 0) states[0] = BackendState.Draining;
      const backends = states.map((state, i) =>
        backend(i + 1, 0, 0, {
          state,
          weight: 1 + Math.floor(random() * 2),
          capacityBytes: 100 * GB,
          capacityMailboxes: 6,
        }),
      );
      const mailboxes: PlannerMailbox[] = Array.from({ length: 8 }, (_, k) => ({
        id: k + 1,
        backendId: 1 + Math.floor(random() * 3),
        usedBytes: Math.round((1 + random() * 25) * GB),
        pinned: random() < 0.1,
      }));
      for (const m of mailboxes) {
        backends[m.backendId - 1].usedBytes += m.usedBytes;
        backends[m.backendId - 1].mailboxCount++;
      }
      const plan = planRebalance(backends, mailboxes, { tolerance });
      const targets = plan.before.map((f) => f.targetBytes);

      // Every assignment of the 8 mailboxes to the 3 backends.
      let cheapest = Infinity;
      for (let code = 0; code < 3 ** 8; code++) {
        const used = [0, 0, 0];
        const n = [0, 0, 0];
        const received = [false, false, false];
        let moved = 0;
        let valid = true;
        for (let k = 0, c = code; k < 8; k++, c = Math.floor(c / 3)) {
          const m = mailboxes[k];
          const to = c % 3;
          if (to !== m.backendId - 1) {
            if (m.pinned || states[to] !== BackendState.Active) valid = false;
            moved += m.usedBytes;
            received[to] = true;
          }
          used[to] += m.usedBytes;
          n[to]++;
        }
        for (let b = 0; b < 3 && valid; b++) {
          if (received[b] && (n[b] > 6 || used[b] > 100 * GB)) valid = false;
          else if (states[b] === BackendState.Draining) {
            const pinnedHere = mailboxes.filter((m) => m.backendId === b + 1 && m.pinned);
            valid = used[b] === sum(pinnedHere.map((m) => m.usedBytes));
          } else if (Math.abs(used[b] - targets[b]) > tolerance * 100 * GB) valid = false;
        }
        if (valid) cheapest = Math.min(cheapest, moved);
      }
      assert.ok(plan.lowerBoundBytes <= cheapest + 1e-3, `seed ${seed}`);
      if (plan.withinTolerance) assert.ok(plan.bytesToMove >= cheapest, `seed ${seed}`);
    }
  });

  void it('rejects a mailbox on an unknown backend and a negative tolerance', () => {
    const backends = [backend(1, 0, 0)];
    assert.throws(
      () => planRebalance(backends, mailboxesOf(2, 1, [1]), { tolerance: 0.05 }),
      RangeError,
    );
    assert.throws(() => planRebalance(backends, [], { tolerance: -1 }), RangeError);
  });
});
