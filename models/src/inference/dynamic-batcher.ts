/**
 * Dynamic batching: a run takes at most `maxBatch` requests. On an idle host (every runner free) a
 * request runs at once — waiting would only add latency, since nothing else is coming. While a
 * runner is busy, requests wait up to `maxWaitMs` (from the oldest one's arrival) for others to
 * share a run; while all are busy they queue, and the next free runner takes the oldest ones at
 * once. So batches form exactly when there is load. Beyond `maxQueue` waiting requests a new one is refused at once rather than
 * left to time out.
 */

export class QueueFullError extends Error {
  constructor(readonly depth: number) {
    super(`${depth} requests are already waiting`);
    this.name = 'QueueFullError';
  }
}

export interface BatcherOptions<I, O> {
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  runners: number;
  /** Runs one batch on runner `runner`; answers one output per input, in order. */
  run: (items: I[], runner: number) => Promise<O[]>;
  onBatch?: (size: number, waitedMs: number[]) => void;
}

interface Waiting<I, O> {
  item: I;
  arrived: number;
  resolve: (value: O) => void;
  reject: (error: Error) => void;
}

export class DynamicBatcher<I, O> {
  private readonly queue: Array<Waiting<I, O>> = [];
  private readonly idle: number[];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BatcherOptions<I, O>) {
    this.idle = Array.from({ length: options.runners }, (_, i) => i);
  }

  get depth(): number {
    return this.queue.length;
  }

  get busyRunners(): number {
    return this.options.runners - this.idle.length;
  }

  submit(item: I): Promise<O> {
    if (this.queue.length >= this.options.maxQueue) return Promise.reject(new QueueFullError(this.queue.length));
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, arrived: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.queue.length === 0 || this.idle.length === 0) return;
    const oldest = this.queue[0] as Waiting<I, O>;
    const waited = performance.now() - oldest.arrived;
    const hostIdle = this.idle.length === this.options.runners;
    if (hostIdle || this.queue.length >= this.options.maxBatch || waited >= this.options.maxWaitMs) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.dispatch();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, this.options.maxWaitMs - waited);
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const runner = this.idle.shift() as number;
      const batch = this.queue.splice(0, this.options.maxBatch);
      const now = performance.now();
      this.options.onBatch?.(
        batch.length,
        batch.map((w) => now - w.arrived),
      );
      this.options
        .run(
          batch.map((w) => w.item),
          runner,
        )
        .then(
          (outputs) => {
            batch.forEach((w, i) => {
              const output = outputs[i];
              if (output === undefined) w.reject(new Error('the batch run answered fewer results than it was given'));
              else w.resolve(output);
            });
          },
          (error: Error) => {
            for (const w of batch) w.reject(error);
          },
        )
        .finally(() => {
          this.idle.push(runner);
          this.schedule();
        });
      if (this.queue.length < this.options.maxBatch) break;
    }
    this.schedule();
  }
}
