import { BackendState } from './enums';

/** A backend as the planner sees it (a snapshot; the planner never changes it). */
export interface PlannerBackend {
  id: number;
  state: BackendState;
  weight: number;
  capacityBytes: number;
  /** 0 or less means no limit on the number of mailboxes. */
  capacityMailboxes: number;
  usedBytes: number;
  mailboxCount: number;
}

export interface PlannerMailbox {
  id: number;
  backendId: number;
  usedBytes: number;
  /** Rebalancing never moves a pinned mailbox. */
  pinned: boolean;
}

export interface PlannerOptions {
  /**
   * Allowed distance from the target fill, as a fraction of the backend's capacity: 0.05 means
   * an active backend is balanced when its fill is within 5 percentage points of its target fill.
   */
  tolerance: number;
  /** Stop planning after this many moves (the plan is then partial: see `limitReached`). */
  maxMoves?: number;
  /** Never plan more than this many bytes in total. */
  maxBytes?: number;
}

export interface PlannedMove {
  mailboxId: number;
  fromBackendId: number;
  toBackendId: number;
  bytes: number;
}

export interface BackendFill {
  id: number;
  state: BackendState;
  usedBytes: number;
  mailboxCount: number;
  /** usedBytes / capacityBytes (0 when the capacity is 0). */
  fillRatio: number;
  /** See {@link planRebalance}: the share for active, 0 for draining, usedBytes otherwise. */
  targetBytes: number;
}

export type StuckReason = 'pinned' | 'no-room';

/** A mailbox on a draining backend that the plan leaves where it is. */
export interface StuckMailbox {
  mailboxId: number;
  backendId: number;
  reason: StuckReason;
}

export interface RebalancePlanResult {
  /** In the order they were chosen: draining backends first, then over-full ones, then top-ups. */
  moves: PlannedMove[];
  bytesToMove: number;
  /** Sorted by backend id. */
  before: BackendFill[];
  /** The same backends as `before`, after every move of the plan. */
  after: BackendFill[];
  /** No valid plan can move fewer bytes than this (see {@link planRebalance}). */
  lowerBoundBytes: number;
  /** Sorted by backend id, then mailbox id. */
  stuck: StuckMailbox[];
  /**
   * True when, after the plan, every active backend is within tolerance of its target and every
   * draining backend holds only pinned mailboxes.
   */
  withinTolerance: boolean;
  /** True when `maxMoves` or `maxBytes` left out moves the planner would otherwise have made. */
  limitReached: boolean;
}

/**
 * Chooses mailbox moves that bring every active backend within tolerance of its target fill and
 * empty the draining backends, moving as few bytes as it can. Pure and deterministic: the same
 * backends and mailboxes (in any order) give the same plan.
 *
 * Targets. The pool P is the bytes that must live on active backends once the plan has run:
 * the `usedBytes` of every active backend plus the unpinned mailboxes of every draining backend.
 * Each active backend i gets `targetBytes_i = min(capacityBytes_i, λ · weight_i · capacityBytes_i)`
 * with λ chosen so that the targets add up to P (or every target is its capacity when P does not
 * fit). With equal weights this is the same fill ratio P / Σ capacity on every backend; a backend
 * of weight 2 aims at twice the fill of a weight-1 backend; one of weight 0 aims at 0 and never
 * receives. Its band is `targetBytes_i ± tolerance · capacityBytes_i`. Draining backends target 0
 * except for pinned mailboxes (reported in `stuck`). Read-only and down backends are neither
 * sources nor destinations; their mailboxes stay. A backend's `usedBytes` may include bytes that
 * belong to no listed mailbox: they count towards its fill and stay where they are.
 *
 * Lower bound. Each moved byte leaves one backend and reaches one backend, so any valid plan moves
 * at least max(out, in), where out = Σ draining unpinned bytes + Σ active max(0, used - upper)
 * and in = Σ active max(0, lower - used).
 *
 * Algorithm (each source's mailboxes sorted once by size, largest first):
 * 1. Draining backends: every unpinned mailbox, largest first, goes to the destination furthest
 *    below its target (relative to its capacity) that has room; none with room -> stuck 'no-room'.
 * 2. Active backends above their band, most over first: shed the excess by repeatedly taking
 *    the largest mailbox not larger than what is left to shed, then at most one smallest mailbox
 *    that covers the remainder, each to the destination furthest below its target.
 * 3. Active backends still below their band, most under first: pull the missing bytes the same
 *    way from the backends furthest above their target (never taking them below target, then
 *    never below their band).
 * A destination never goes above min(targetBytes + tolerance · capacityBytes, capacityBytes) or
 * capacityMailboxes; a backend that gave a mailbox never receives one and vice versa.
 *
 * Throws a RangeError for a negative tolerance, a mailbox on an unknown backend, a negative size
 * or a backend listed twice.
 */
export function planRebalance(
  backends: readonly PlannerBackend[],
  mailboxes: readonly PlannerMailbox[],
  options: PlannerOptions,
): RebalancePlanResult {
  const { tolerance } = options;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new RangeError(`tolerance must be a fraction >= 0, got ${tolerance}`);
  }
  const maxMoves = options.maxMoves ?? Infinity;
  const maxBytes = options.maxBytes ?? Infinity;

  // Backends in id order, so that every tie below is broken by the lower id.
  const sorted = [...backends].sort((a, b) => a.id - b.id);
  const nb = sorted.length;
  const indexOf = backendIndex(sorted);

  const state = sorted.map((b) => b.state);
  const active = state.map((s) => s === BackendState.Active);
  const capBytes = Float64Array.from(sorted, (b) => Math.max(0, b.capacityBytes));
  const capCount = Float64Array.from(sorted, (b) =>
    b.capacityMailboxes > 0 ? b.capacityMailboxes : Infinity,
  );
  const used = Float64Array.from(sorted, (b) => b.usedBytes);
  const count = Float64Array.from(sorted, (b) => b.mailboxCount);

  // Mailboxes grouped by backend (counting sort); pinned ones kept apart.
  const n = mailboxes.length;
  const ids = new Float64Array(n);
  const sizes = new Float64Array(n);
  const owner = new Int32Array(n);
  const unpinnedCount = new Int32Array(nb + 1);
  const stuck: StuckMailbox[] = [];
  for (let i = 0; i < n; i++) {
    const m = mailboxes[i];
    const bi = indexOf(m.backendId);
    if (bi < 0) throw new RangeError(`mailbox ${m.id} is on unknown backend ${m.backendId}`);
    if (!(m.usedBytes >= 0 && m.usedBytes <= Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`mailbox ${m.id} has an invalid size ${m.usedBytes}`);
    }
    ids[i] = m.id;
    sizes[i] = m.usedBytes;
    if (m.pinned) {
      owner[i] = -1;
      if (state[bi] === BackendState.Draining) {
        stuck.push({ mailboxId: m.id, backendId: m.backendId, reason: 'pinned' });
      }
    } else {
      owner[i] = bi;
      unpinnedCount[bi + 1]++;
    }
  }
  const start = new Int32Array(nb + 1);
  for (let b = 0; b < nb; b++) start[b + 1] = start[b] + unpinnedCount[b + 1];
  const order = new Int32Array(start[nb]);
  const fillPos = start.slice(0, nb);
  for (let i = 0; i < n; i++) if (owner[i] >= 0) order[fillPos[owner[i]]++] = i;

  // Targets (capped proportional share of the pool) and bands.
  const drainingBytes = new Float64Array(nb);
  let pool = 0;
  for (let b = 0; b < nb; b++) {
    if (active[b]) pool += used[b];
    if (state[b] === BackendState.Draining) {
      for (let k = start[b]; k < start[b + 1]; k++) drainingBytes[b] += sizes[order[k]];
      pool += drainingBytes[b];
    }
  }
  const target = new Float64Array(nb);
  const share = Float64Array.from(sorted, (b, i) =>
    active[i] ? Math.max(0, b.weight) * capBytes[i] : 0,
  );
  const capped = new Uint8Array(nb);
  for (let left = pool; ;) {
    let shares = 0;
    for (let b = 0; b < nb; b++) if (share[b] > 0 && !capped[b]) shares += share[b];
    if (shares === 0) break;
    const lambda = left / shares;
    let clamped = false;
    for (let b = 0; b < nb; b++) {
      if (share[b] > 0 && !capped[b] && lambda * share[b] >= capBytes[b]) {
        capped[b] = 1;
        target[b] = capBytes[b];
        left -= capBytes[b];
        clamped = true;
      }
    }
    if (!clamped) {
      for (let b = 0; b < nb; b++) if (share[b] > 0 && !capped[b]) target[b] = lambda * share[b];
      break;
    }
  }
  const upper = new Float64Array(nb);
  const lower = new Float64Array(nb);
  for (let b = 0; b < nb; b++) {
    upper[b] = target[b] + tolerance * capBytes[b];
    lower[b] = target[b] - tolerance * capBytes[b];
  }

  let outBytes = 0;
  let inBytes = 0;
  for (let b = 0; b < nb; b++) {
    if (active[b]) {
      outBytes += Math.max(0, used[b] - upper[b]);
      inBytes += Math.max(0, lower[b] - used[b]);
    } else if (state[b] === BackendState.Draining) {
      outBytes += drainingBytes[b];
    }
  }

  const before = fills(sorted, used, count, capBytes, target, active);

  // Per-source lists sorted by size (largest first, then by mailbox id), built on first use, with
  // two "next still here" pointers (union-find with path compression) so that taken mailboxes
  // are skipped in near-constant time in both directions.
  const sortedOnce = new Uint8Array(nb);
  const nextLeft: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(nb);
  const prevLeft: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(nb);
  const prepare = (b: number): void => {
    if (sortedOnce[b]) return;
    sortedOnce[b] = 1;
    sortLargestFirst(order.subarray(start[b], start[b + 1]), sizes, ids);
    const len = start[b + 1] - start[b];
    // nextLeft[p] = p while position p is still here; prevLeft is shifted by one (0 = none).
    const identity = new Int32Array(len + 1);
    for (let p = 0; p <= len; p++) identity[p] = p;
    nextLeft[b] = identity;
    prevLeft[b] = identity.slice();
  };
  const find = (parent: Int32Array, p: number): number => {
    let root = p;
    while (parent[root] !== root) root = parent[root];
    while (parent[p] !== root) {
      const up = parent[p];
      parent[p] = root;
      p = up;
    }
    return root;
  };
  const sizeAt = (b: number, p: number): number => sizes[order[start[b] + p]];
  /** First position whose size is at most `limit` (the list is sorted largest first). */
  const firstAtMost = (b: number, limit: number): number => {
    let lo = 0;
    let hi = start[b + 1] - start[b];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sizeAt(b, mid) <= limit) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  /** Position of the largest mailbox still on `b` with size <= limit, or -1. */
  const largestAtMost = (b: number, limit: number): number => {
    if (!(limit > 0)) return -1;
    const p = find(nextLeft[b]!, firstAtMost(b, limit));
    return p < start[b + 1] - start[b] ? p : -1;
  };
  /** Position of the smallest mailbox still on `b` with size >= atLeast, or -1. */
  const smallestAtLeast = (b: number, atLeast: number): number => {
    let lo = 0;
    let hi = start[b + 1] - start[b];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sizeAt(b, mid) < atLeast) hi = mid;
      else lo = mid + 1;
    }
    return find(prevLeft[b]!, lo) - 1;
  };

  const gave = new Uint8Array(nb);
  const received = new Uint8Array(nb);
  const moveMailbox: number[] = [];
  const moveFrom: number[] = [];
  const moveTo: number[] = [];
  let bytesToMove = 0;
  let limitReached = false;

  const bytesLeft = (): number => maxBytes - bytesToMove;
  const movesLeft = (): boolean => {
    if (moveMailbox.length < maxMoves) return true;
    limitReached = true;
    return false;
  };
  /** Divisor that turns bytes into a fraction of the backend's capacity. */
  const scale = (b: number): number => Math.max(capBytes[b], 1);
  const room = (d: number): number => Math.min(upper[d], capBytes[d]) - used[d];
  const destinations = range(nb).filter((d) => share[d] > 0);
  const isDestination = (d: number): boolean => !gave[d] && count[d] < capCount[d];
  /** The destination furthest below its target (relative to capacity) with room for `bytes`. */
  const bestDestination = (bytes: number): number => {
    let best = -1;
    let bestGap = -Infinity;
    for (const d of destinations) {
      if (!isDestination(d) || room(d) < bytes) continue;
      const gap = (target[d] - used[d]) / scale(d);
      if (gap > bestGap) {
        best = d;
        bestGap = gap;
      }
    }
    return best;
  };
  const largestRoom = (): number => {
    let most = 0;
    for (const d of destinations) if (isDestination(d)) most = Math.max(most, room(d));
    return most;
  };
  const take = (from: number, p: number, to: number): void => {
    const i = order[start[from] + p];
    nextLeft[from]![p] = p + 1;
    prevLeft[from]![p + 1] = p;
    used[from] -= sizes[i];
    count[from]--;
    used[to] += sizes[i];
    count[to]++;
    gave[from] = 1;
    received[to] = 1;
    bytesToMove += sizes[i];
    moveMailbox.push(i);
    moveFrom.push(from);
    moveTo.push(to);
  };

  // 1. Empty the draining backends: all their mailboxes, largest first across backends (merged
  // from the sorted lists), which packs the big ones while destinations still have room.
  const draining = range(nb).filter((b) => state[b] === BackendState.Draining);
  draining.forEach(prepare);
  const head = new Int32Array(nb);
  for (;;) {
    let s = -1;
    let i = -1;
    for (const b of draining) {
      if (head[b] === start[b + 1] - start[b]) continue;
      const k = order[start[b] + head[b]];
      if (s < 0 || sizes[k] > sizes[i] || (sizes[k] === sizes[i] && ids[k] < ids[i])) {
        s = b;
        i = k;
      }
    }
    if (s < 0 || !movesLeft()) break;
    const p = head[s]++;
    if (sizes[i] > bytesLeft()) {
      limitReached = true;
      continue;
    }
    const d = bestDestination(sizes[i]);
    if (d < 0) stuck.push({ mailboxId: ids[i], backendId: sorted[s].id, reason: 'no-room' });
    else take(s, p, d);
  }

  // 2. Shed the excess of active backends above their band.
  const over = range(nb)
    .filter((b) => active[b] && used[b] > upper[b])
    .sort((a, b) => (used[b] - upper[b]) / scale(b) - (used[a] - upper[a]) / scale(a) || a - b);
  for (const s of over) {
    prepare(s);
    while (used[s] > upper[s] && movesLeft()) {
      const limit = Math.min(used[s] - upper[s], largestRoom(), bytesLeft());
      const p = largestAtMost(s, limit);
      if (p < 0) break;
      take(s, p, bestDestination(sizeAt(s, p)));
    }
    if (used[s] > upper[s] && movesLeft()) {
      const p = smallestAtLeast(s, used[s] - upper[s]);
      if (p >= 0) {
        const bytes = sizeAt(s, p);
        if (bytes > bytesLeft()) limitReached = true;
        else if (bytes <= Math.min(largestRoom(), used[s] - lower[s])) {
          take(s, p, bestDestination(bytes));
        }
      }
    }
    if (used[s] > upper[s] && bytesLeft() < used[s] - upper[s]) limitReached = true;
  }

  // 3. Top up active backends still below their band.
  const under = range(nb)
    .filter((b) => active[b] && !gave[b] && used[b] < lower[b])
    .sort((a, b) => (lower[b] - used[b]) / scale(b) - (lower[a] - used[a]) / scale(a) || a - b);
  for (const d of under) {
    const need = (): number => lower[d] - used[d];
    const sources = range(nb)
      .filter((b) => active[b] && !received[b] && b !== d && used[b] > lower[b])
      .sort((a, b) => (used[b] - target[b]) / scale(b) - (used[a] - target[a]) / scale(a) || a - b);
    const fits = (): boolean => need() > 0 && count[d] < capCount[d] && movesLeft();
    const cover = (): void => {
      let best = -1;
      let bestPos = -1;
      for (const s of sources) {
        if (!sortedOnce[s]) continue;
        const p = smallestAtLeast(s, need());
        if (p < 0) continue;
        const bytes = sizeAt(s, p);
        if (bytes > Math.min(room(d), used[s] - lower[s], bytesLeft())) continue;
        if (best < 0 || bytes < sizeAt(best, bestPos)) {
          best = s;
          bestPos = p;
        }
      }
      if (best >= 0) take(best, bestPos, d);
    };
    for (const floor of [target, lower]) {
      for (const s of sources) {
        if (!fits()) break;
        if (used[s] - floor[s] <= 0) continue;
        prepare(s);
        while (fits()) {
          const p = largestAtMost(s, Math.min(need(), room(d), used[s] - floor[s], bytesLeft()));
          if (p < 0) break;
          take(s, p, d);
        }
      }
      if (fits()) cover();
    }
    if (need() > 0 && bytesLeft() < need()) limitReached = true;
  }

  // Result.
  const moves: PlannedMove[] = new Array<PlannedMove>(moveMailbox.length);
  for (let k = 0; k < moveMailbox.length; k++) {
    const i = moveMailbox[k];
    moves[k] = {
      mailboxId: ids[i],
      fromBackendId: sorted[moveFrom[k]].id,
      toBackendId: sorted[moveTo[k]].id,
      bytes: sizes[i],
    };
  }
  stuck.sort((a, b) => a.backendId - b.backendId || a.mailboxId - b.mailboxId);

  const slack = (b: number): number => 1e-9 * Math.max(capBytes[b], 1);
  let withinTolerance = !stuck.some((m) => m.reason === 'no-room');
  for (let b = 0; b < nb && withinTolerance; b++) {
    if (active[b]) {
      withinTolerance = used[b] <= upper[b] + slack(b) && used[b] >= lower[b] - slack(b);
    } else if (state[b] === BackendState.Draining) {
      const len = start[b + 1] - start[b];
      withinTolerance = len === 0 || find(nextLeft[b]!, 0) === len;
    }
  }

  return {
    moves,
    bytesToMove,
    before,
    after: fills(sorted, used, count, capBytes, target, active),
    lowerBoundBytes: Math.max(outBytes, inBytes),
    stuck,
    withinTolerance,
    limitReached,
  };
}

const RANK_BITS = 2 ** 21;
const f64 = new Float64Array(1);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const f64High = new Uint32Array(f64.buffer, littleEndian ? 4 : 0, 1);

/**
 * Sorts mailbox indices by size, largest first, then by id. The comparator sort of V8 costs
 * ~150 ms on 1M mailboxes, so: a native sort of keys made of the top 31 bits of each size (a
 * monotone function of a non-negative double, exact to ~1e-6) and the position, then an
 * insertion sort with the exact comparison, which only has near-equal sizes left to fix.
 */
function sortLargestFirst(order: Int32Array, sizes: Float64Array, ids: Float64Array): void {
  const before = (x: number, y: number): boolean =>
    sizes[x] > sizes[y] || (sizes[x] === sizes[y] && ids[x] < ids[y]);
  const len = order.length;
  if (len > RANK_BITS) {
    order.sort((x, y) => (before(x, y) ? -1 : before(y, x) ? 1 : 0));
    return;
  }
  const keys = new Float64Array(len);
  for (let p = 0; p < len; p++) {
    f64[0] = sizes[order[p]];
    keys[p] = (0x7fffffff - f64High[0]) * RANK_BITS + p;
  }
  keys.sort();
  const original = order.slice();
  for (let p = 0; p < len; p++) order[p] = original[keys[p] % RANK_BITS];
  for (let p = 1; p < len; p++) {
    const x = order[p];
    let q = p - 1;
    while (q >= 0 && before(x, order[q])) {
      order[q + 1] = order[q];
      q--;
    }
    order[q + 1] = x;
  }
}

/** id -> position in `backends` (-1 when unknown): a flat array for small ids, else a Map. */
function backendIndex(backends: readonly PlannerBackend[]): (id: number) => number {
  const map = new Map<number, number>();
  let maxId = 0;
  backends.forEach((b, i) => {
    if (map.has(b.id)) throw new RangeError(`backend ${b.id} is listed twice`);
    map.set(b.id, i);
    maxId = Math.max(maxId, b.id);
  });
  const small = backends.every((b) => Number.isInteger(b.id) && b.id >= 0 && b.id < 1 << 20);
  if (!small) return (id) => map.get(id) ?? -1;
  const flat = new Int32Array(maxId + 1).fill(-1);
  map.forEach((i, id) => (flat[id] = i));
  return (id) => (id >= 0 && id <= maxId ? (flat[id] ?? -1) : -1);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function fills(
  backends: readonly PlannerBackend[],
  used: Float64Array,
  count: Float64Array,
  capBytes: Float64Array,
  target: Float64Array,
  active: readonly boolean[],
): BackendFill[] {
  return backends.map((b, i) => ({
    id: b.id,
    state: b.state,
    usedBytes: used[i],
    mailboxCount: count[i],
    fillRatio: capBytes[i] > 0 ? used[i] / capBytes[i] : 0,
    targetBytes: active[i] ? target[i] : b.state === BackendState.Draining ? 0 : used[i],
  }));
}
