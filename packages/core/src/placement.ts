import { BackendHealth, BackendState, PLACEABLE_BACKEND_STATES } from './enums';

/** How a domain places new mailboxes (stored as JSON on the domain). */
export type PlacementPolicy =
  | { kind: 'any' }
  | { kind: 'pinned'; backendIds: number[] }
  /** Split by the first character of the local part, e.g. a-k on one backend, l-z on another. */
  | { kind: 'rules'; rules: PlacementRule[] };

export interface PlacementRule {
  from: string;
  to: string;
  backendId: number;
}

export interface PlacementCandidate {
  id: number;
  state: BackendState;
  health: BackendHealth;
  weight: number;
  capacityBytes: number;
  capacityMailboxes: number;
  usedBytes: number;
  mailboxCount: number;
}

export function isPlaceable(b: PlacementCandidate): boolean {
  return (
    PLACEABLE_BACKEND_STATES.includes(b.state) && b.health !== BackendHealth.Down && b.weight > 0
  );
}

/** Fill of a backend relative to its weight: lower means it should get the next mailbox. */
export function weightedLoad(b: PlacementCandidate): number {
  const bytes = b.capacityBytes > 0 ? b.usedBytes / b.capacityBytes : 0;
  const count = b.capacityMailboxes > 0 ? b.mailboxCount / b.capacityMailboxes : 0;
  return Math.max(bytes, count) / b.weight;
}

function ruleFor(rules: PlacementRule[], localPart: string): PlacementRule | undefined {
  const first = localPart.charAt(0);
  return rules.find((r) => first >= r.from && first <= r.to);
}

/**
 * Chooses the backend for a new mailbox, or null when none may take it.
 * A backend that is down, draining or read-only is never chosen.
 */
export function chooseBackend(
  candidates: PlacementCandidate[],
  policy: PlacementPolicy,
  localPart: string,
): number | null {
  let allowed = candidates.filter(isPlaceable);
  if (policy.kind === 'pinned') {
    allowed = allowed.filter((b) => policy.backendIds.includes(b.id));
  } else if (policy.kind === 'rules') {
    const rule = ruleFor(policy.rules, localPart);
    if (rule) allowed = allowed.filter((b) => b.id === rule.backendId);
  }
  if (allowed.length === 0) return null;
  return allowed.reduce((best, b) =>
    weightedLoad(b) < weightedLoad(best) ||
    (weightedLoad(b) === weightedLoad(best) && b.id < best.id)
      ? b
      : best,
  ).id;
}
