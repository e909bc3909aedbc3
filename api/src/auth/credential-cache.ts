import { Injectable } from '@nestjs/common';
import { CredentialOwner } from './credential.repository';

const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

/**
 * Who a session or token belongs to, remembered for 5 seconds so the hot list routes do not pay
 * a database round trip per request for it. Any change to credentials or admins made through
 * this process clears it at once; another API process sees such a change within 5 seconds.
 */
@Injectable()
export class CredentialCache {
  private readonly entries = new Map<string, { owner: CredentialOwner; until: number }>();

  get(secretHash: string): CredentialOwner | undefined {
    const e = this.entries.get(secretHash);
    if (!e) return undefined;
    if (e.until < Date.now()) {
      this.entries.delete(secretHash);
      return undefined;
    }
    return e.owner;
  }

  set(secretHash: string, owner: CredentialOwner): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(secretHash, { owner, until: Date.now() + TTL_MS });
  }

  clear(): void {
    this.entries.clear();
  }
}
