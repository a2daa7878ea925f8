/**
 * Runs `pass` (which handles up to `batchSize` due items and returns how many it handled) every
 * `intervalMs`; after an outage it works through the backlog batch after batch before waiting again.
 * A failing pass is reported and retried at the next tick; `stop` waits for the pass in flight.
 */
export class BacklogPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly pass: (batchSize: number) => Promise<number>,
    private readonly options: {
      batchSize: number;
      onError: (error: unknown) => void;
      /** Bounds one tick, so a huge backlog still lets stop() in. */
      maxBatchesPerTick?: number;
    },
  ) {}

  private async drain(): Promise<void> {
    const maxBatches = this.options.maxBatchesPerTick ?? 50;
    for (let batches = 0; batches < maxBatches && this.timer; batches++) {
      if ((await this.pass(this.options.batchSize)) < this.options.batchSize) return;
    }
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.drain()
        .catch(this.options.onError)
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.running;
  }
}
