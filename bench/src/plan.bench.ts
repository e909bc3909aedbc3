import {
  BackendState,
  planRebalance,
  type PlannerBackend,
  type PlannerMailbox,
  type RebalancePlanResult,
} from '@roost/core';
import { type BenchContext, type Benchmark, type BenchResult, numberOption } from './benchmark';
import { median } from './stats';

/** Issue 5, "Done when": planning 1,000,000 mailboxes over 100 backends takes under 2 seconds. */
const TARGET_MS = 2000;
/** Planner unit tests ask for bytes moved within 10% of the lower bound. */
const MAX_BOUND_RATIO = 1.1;
const GB = 1e9;
const TB = 1e12;

/** mulberry32: a small seeded PRNG, so that the same options give the same fleet. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Fleet {
  backends: PlannerBackend[];
  mailboxes: PlannerMailbox[];
}

/**
 * A fleet that has drifted: backends of 8, 12 and 16 TB (a few of weight 2), mailboxes spread
 * unevenly (each backend draws 0.6-1.4x its fair share), log-normal sizes (median 300 MB, a tail
 * up to 50 GB), 1% pinned, 3 backends draining, one read-only and one down.
 */
function makeFleet(backendCount: number, mailboxCount: number, seed: number): Fleet {
  const random = prng(seed);
  const backends: PlannerBackend[] = [];
  const pull: number[] = [];
  for (let i = 0; i < backendCount; i++) {
    const state =
      i % 33 === 7
        ? BackendState.Draining
        : i === 50
          ? BackendState.Readonly
          : i === 77
            ? BackendState.Down
            : BackendState.Active;
    const capacityBytes = [8, 12, 16][i % 3] * TB;
    backends.push({
      id: i + 1,
      state,
      weight: i % 20 === 3 ? 2 : 1,
      capacityBytes,
      capacityMailboxes: Math.ceil((4 * mailboxCount) / backendCount),
      usedBytes: 0,
      mailboxCount: 0,
    });
    pull.push((capacityBytes / TB) * (0.6 + 0.8 * random()));
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const p of pull) cumulative.push((total += p));

  const mailboxes = new Array<PlannerMailbox>(mailboxCount);
  for (let i = 0; i < mailboxCount; i++) {
    const r = random() * total;
    let lo = 0;
    let hi = backendCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const usedBytes = Math.min(50 * GB, Math.round(300e6 * Math.exp(1.2 * gauss)));
    mailboxes[i] = { id: i + 1, backendId: lo + 1, usedBytes, pinned: random() < 0.01 };
    backends[lo].usedBytes += usedBytes;
    backends[lo].mailboxCount++;
  }
  return { backends, mailboxes };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const planBenchmark: Benchmark = {
  name: 'plan',
  description:
    'Rebalance planner on a generated fleet (default 1,000,000 mailboxes over 100 backends): ' +
    'median planning time and bytes moved against the lower bound',
  run(ctx: BenchContext): Promise<BenchResult> {
    const backendCount = numberOption(ctx, 'backends', 100);
    const mailboxCount = numberOption(ctx, 'mailboxes', 1_000_000);
    const runs = Math.max(1, numberOption(ctx, 'runs', 5));
    const seed = numberOption(ctx, 'seed', 1);
    const tolerance = numberOption(ctx, 'tolerance', 0.05);

    ctx.progress(
      `generating ${mailboxCount} mailboxes over ${backendCount} backends (seed ${seed})`,
    );
    const fleet = makeFleet(backendCount, mailboxCount, seed);

    const times: number[] = [];
    // CPU time of the process too: on a busy 2-core machine the wall time also counts waiting.
    const cpuTimes: number[] = [];
    let plan: RebalancePlanResult | undefined;
    for (let run = 1; run <= runs; run++) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      plan = planRebalance(fleet.backends, fleet.mailboxes, { tolerance });
      const ms = performance.now() - start;
      const { user, system } = process.cpuUsage(cpu);
      times.push(ms);
      cpuTimes.push((user + system) / 1000);
      ctx.progress(`run ${run}/${runs}: ${ms.toFixed(0)} ms, ${plan.moves.length} moves`);
    }
    const result = plan!;
    const medianMs = median(times);
    const ratio = result.lowerBoundBytes > 0 ? result.bytesToMove / result.lowerBoundBytes : 1;
    const fills = result.after.filter((f) => f.state === BackendState.Active);
    const worstDistance = Math.max(
      ...fills.map((f) => {
        const capacity = fleet.backends.find((b) => b.id === f.id)!.capacityBytes;
        return Math.abs(f.usedBytes - f.targetBytes) / capacity;
      }),
    );

    if (medianMs >= TARGET_MS) {
      ctx.fail(`median planning time ${medianMs.toFixed(0)} ms is not under ${TARGET_MS} ms`);
    }
    if (ratio > MAX_BOUND_RATIO) {
      ctx.fail(`moved ${ratio.toFixed(4)}x the lower bound (at most ${MAX_BOUND_RATIO}x)`);
    }
    if (!result.withinTolerance) ctx.fail('the plan leaves the fleet outside the tolerance');

    return Promise.resolve({
      name: 'plan',
      metrics: [
        {
          label: `plan ${mailboxCount} mailboxes / ${backendCount} backends, median`,
          value: round(medianMs, 1),
          unit: 'ms',
        },
        { label: 'plan, fastest run', value: round(Math.min(...times), 1), unit: 'ms' },
        { label: 'plan, slowest run', value: round(Math.max(...times), 1), unit: 'ms' },
        { label: 'plan, CPU time (median)', value: round(median(cpuTimes), 1), unit: 'ms' },
        {
          label: 'bytes moved (baseline: lower bound)',
          value: round(result.bytesToMove / TB, 3),
          unit: 'TB',
          baseline: round(result.lowerBoundBytes / TB, 3),
        },
        { label: 'bytes moved / lower bound', value: round(ratio, 5), unit: 'x' },
        { label: 'moves', value: result.moves.length, unit: 'mailboxes' },
        {
          label: 'worst distance from target fill',
          value: round(worstDistance * 100, 2),
          unit: '% points',
        },
      ],
      notes: [
        `target: median under ${TARGET_MS} ms; bytes moved within ${MAX_BOUND_RATIO}x the lower bound`,
        `tolerance ${tolerance}; ${runs} runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms`,
        `${result.stuck.length} pinned mailboxes stay on draining backends; within tolerance: ${result.withinTolerance}`,
      ],
      details: {
        seed,
        tolerance,
        timesMs: times,
        cpuTimesMs: cpuTimes,
        bytesToMove: result.bytesToMove,
        lowerBoundBytes: result.lowerBoundBytes,
        stuck: result.stuck.length,
        limitReached: result.limitReached,
        before: result.before,
        after: result.after,
      },
    });
  },
};
