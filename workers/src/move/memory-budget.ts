/**
 * Bounds the message bytes a move holds at once, across all folders copied in parallel. A
 * message larger than the whole budget still goes through: it waits until it can take all of it.
 */
export class MemoryBudget {
  private used = 0;
  private readonly waiting: { bytes: number; resolve: () => void }[] = [];

  constructor(readonly limitBytes: number) {}

  async acquire(bytes: number): Promise<() => void> {
    const take = Math.min(Math.max(bytes, 0), this.limitBytes);
    if (this.waiting.length === 0 && this.used + take <= this.limitBytes) {
      this.used += take;
    } else {
      await new Promise<void>((resolve) => this.waiting.push({ bytes: take, resolve }));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= take;
      this.wake();
    };
  }

  get inUse(): number {
    return this.used;
  }

  private wake(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0].bytes <= this.limitBytes) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.resolve();
    }
  }
}
