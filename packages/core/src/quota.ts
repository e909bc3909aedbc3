/** Cyrus counts STORAGE quota in KiB; Roost stores bytes. */
export function bytesToCyrusKiB(bytes: number): number {
  return Math.ceil(bytes / 1024);
}

export function cyrusKiBToBytes(kib: number): number {
  return kib * 1024;
}

/** Percentage used, 0 when there is no limit. */
export function usagePercent(usedBytes: number, limitBytes: number | null): number {
  if (!limitBytes || limitBytes <= 0) return 0;
  return Math.min(100, (usedBytes / limitBytes) * 100);
}

export interface DomainLimits {
  maxMailboxes: number | null;
  maxAliases: number | null;
  maxQuotaBytes: number | null;
  totalQuotaBytes: number | null;
}

export interface DomainUsage {
  mailboxes: number;
  aliases: number;
  quotaAllocatedBytes: number;
}

/**
 * Why a mailbox with `quotaBytes` cannot be added to (or changed within) a domain,
 * or null. `previousQuotaBytes` is the mailbox's current quota when changing one.
 */
export function quotaViolation(
  limits: DomainLimits,
  usage: DomainUsage,
  quotaBytes: number,
  previousQuotaBytes = 0,
): { field: string; reason: string } | null {
  if (limits.maxQuotaBytes !== null && quotaBytes > limits.maxQuotaBytes) {
    return { field: 'quotaBytes', reason: `is above the domain limit of ${limits.maxQuotaBytes}` };
  }
  const allocated = usage.quotaAllocatedBytes - previousQuotaBytes + quotaBytes;
  if (limits.totalQuotaBytes !== null && allocated > limits.totalQuotaBytes) {
    return {
      field: 'quotaBytes',
      reason: `would bring the domain to ${allocated} bytes, above its total quota of ${limits.totalQuotaBytes}`,
    };
  }
  return null;
}
