import { FrozenTooLongError, MoveCancelledError } from './move.errors';
import { MoveRepository, ProgressCounters } from './move.repository';

const RATE_WINDOW_MS = 10_000;

/**
 * The move's counters in memory, written to its row on a timer (at least every
 * `progressEveryMs`), which also picks up a cancel request. Steps call `throwIfCancelled()`
 * between batches, so a cancel stops a move within about one batch.
 */
export class MoveProgress {
  readonly counters: ProgressCounters = {
    foldersTotal: 0,
    foldersDone: 0,
    messagesTotal: 0,
    messagesDone: 0,
    bytesTotal: 0,
    bytesDone: 0,
    rateMessagesPerS: null,
    etaS: null,
  };
  private cancel = false;
  private timer: NodeJS.Timeout | undefined;
  private samples: { at: number; messages: number }[] = [];
  private readonly folders = new Map<
    string,
    {
      messagesTotal: number;
      bytesTotal: number;
      messagesDone: number;
      bytesDone: number;
      finished: boolean;
    }
  >();
  private writing: Promise<void> = Promise.resolve();
  lastWriteError: unknown;

  constructor(
    private readonly repo: MoveRepository,
    private readonly moveId: number,
    private readonly everyMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  get cancelRequested(): boolean {
    return this.cancel;
  }

  /** While frozen: the moment the freeze must end (maxFrozenMs after it began). */
  frozenDeadline: number | undefined;

  /** Throws when a cancel was asked for, or the freeze has lasted too long. */
  throwIfAborted(): void {
    if (this.cancel) throw new MoveCancelledError();
    if (this.frozenDeadline !== undefined && Date.now() > this.frozenDeadline) {
      throw new FrozenTooLongError();
    }
  }

  /** Checks the database now (used at step boundaries). */
  async checkCancel(): Promise<void> {
    if (!this.cancel) this.cancel = await this.repo.cancelRequested(this.moveId);
    this.throwIfAborted();
  }

  /** A folder's counters as of now (totals from the source, done from the target). */
  setFolder(
    name: string,
    f: { messagesTotal: number; bytesTotal: number; messagesDone: number; bytesDone: number },
  ): void {
    const current = this.folders.get(name);
    this.folders.set(name, { ...f, finished: current?.finished ?? false });
  }

  copied(name: string, messages: number, bytes: number): void {
    const f = this.folders.get(name);
    if (!f) return;
    f.messagesDone += messages;
    f.bytesDone += bytes;
    f.messagesTotal = Math.max(f.messagesTotal, f.messagesDone);
    f.bytesTotal = Math.max(f.bytesTotal, f.bytesDone);
  }

  finished(name: string, done: boolean): void {
    const f = this.folders.get(name);
    if (f) f.finished = done;
  }

  removeFolder(name: string): void {
    this.folders.delete(name);
  }

  /** Marks every folder unfinished (a new pass starts). */
  resetFinished(): void {
    for (const f of this.folders.values()) f.finished = false;
  }

  /** Writes the counters now; a failed write is remembered, not thrown (the next one retries). */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      this.computeRate();
      try {
        if (await this.repo.writeProgress(this.moveId, this.counters)) this.cancel = true;
        this.lastWriteError = undefined;
      } catch (err) {
        this.lastWriteError = err;
      }
    });
    return this.writing;
  }

  private computeRate(): void {
    const now = Date.now();
    const c = this.counters;
    if (this.folders.size > 0) {
      c.foldersTotal = this.folders.size;
      c.foldersDone = 0;
      c.messagesTotal = c.messagesDone = c.bytesTotal = c.bytesDone = 0;
      for (const f of this.folders.values()) {
        if (f.finished) c.foldersDone++;
        c.messagesTotal += f.messagesTotal;
        c.messagesDone += f.messagesDone;
        c.bytesTotal += f.bytesTotal;
        c.bytesDone += f.bytesDone;
      }
    }
    this.samples.push({ at: now, messages: c.messagesDone });
    while (this.samples.length > 2 && now - this.samples[0].at > RATE_WINDOW_MS)
      this.samples.shift();
    const first = this.samples[0];
    const seconds = (now - first.at) / 1000;
    if (seconds < 0.5) return;
    const rate = Math.max(0, (c.messagesDone - first.messages) / seconds);
    c.rateMessagesPerS = Math.round(rate * 10) / 10;
    const left = Math.max(0, c.messagesTotal - c.messagesDone);
    c.etaS = rate > 0 ? Math.ceil(left / rate) : left === 0 ? 0 : null;
  }
}
