import type { Bus } from '@speaknode/runtime/bus';
import type { Spool, SpoolRecord } from './spool.ts';

export interface RelayState {
  /** False after a failed publish, until the next one succeeds. */
  busUp: boolean;
  lastError: string | undefined;
  lastErrorAt: string | undefined;
  published: number;
  /** The wait before the next attempt while the bus is down, in ms. */
  retryInMs: number;
}

export interface SpoolRelayOptions {
  batchSize?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A publish that has not settled by then counts as failed (it may still land: same ids, absorbed downstream). */
  publishTimeoutMs?: number;
  log?: (message: string) => void;
}

/**
 * Forwards the spool to the bus in order: runs of consecutive events of one topic go out as one
 * publish; the spool's cursor moves only after the bus resolved it. While the bus is down it
 * retries the same batch with exponential backoff (with jitter), so nothing is skipped or reordered.
 */
export class SpoolRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeSleep: (() => void) | undefined;
  private stopSignal: { promise: Promise<void>; resolve: () => void } | undefined;
  private readonly current: RelayState = {
    busUp: true,
    lastError: undefined,
    lastErrorAt: undefined,
    published: 0,
    retryInMs: 0,
  };
  private readonly options: Required<SpoolRelayOptions>;

  constructor(
    private readonly spool: Spool,
    private readonly bus: Bus,
    options: SpoolRelayOptions = {},
  ) {
    this.options = {
      batchSize: 500,
      minBackoffMs: 100,
      maxBackoffMs: 30_000,
      publishTimeoutMs: 30_000,
      log: (message) => console.warn(message),
      ...options,
    };
  }

  state(): RelayState {
    return { ...this.current };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    let resolve: () => void = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.stopSignal = { promise, resolve };
    this.loop = this.run();
  }

  /** Stops after the publish in flight, if any, settles. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopSignal?.resolve();
    this.wakeSleep?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = this.options.minBackoffMs;
    while (this.running) {
      const records = this.spool.peek(this.options.batchSize);
      if (records.length === 0) {
        await Promise.race([this.spool.waitForRecords(), this.stopSignal?.promise]);
        continue;
      }
      const run = leadingRunOfOneTopic(records);
      try {
        await this.publishWithTimeout(run);
        if (!this.current.busUp) this.options.log(`spool relay: the bus is back; ${this.spool.depth().events} queued`);
        this.current.busUp = true;
        this.current.retryInMs = 0;
        this.current.published += run.length;
        backoff = this.options.minBackoffMs;
        // The bus has them: a cursor that fails to persist only means they go out again after a restart.
        void this.spool
          .acknowledge(run.length)
          .catch((error: Error) => this.options.log(`spool relay: the cursor could not be saved: ${error.message}`));
      } catch (error) {
        const message = (error as Error).message;
        if (this.current.busUp) this.options.log(`spool relay: publishing failed, retrying with backoff: ${message}`);
        this.current.busUp = false;
        this.current.lastError = message;
        this.current.lastErrorAt = new Date().toISOString();
        const wait = Math.round(backoff * (0.5 + Math.random() / 2));
        this.current.retryInMs = wait;
        await this.sleep(wait);
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
      }
    }
  }

  private async publishWithTimeout(run: SpoolRecord[]): Promise<void> {
    const topic = (run[0] as SpoolRecord).topic;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the bus did not confirm within ${this.options.publishTimeoutMs} ms`)),
        this.options.publishTimeoutMs,
      );
    });
    try {
      await Promise.race([
        this.bus.publish(
          topic,
          run.map((r) => r.event),
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}

function leadingRunOfOneTopic(records: SpoolRecord[]): SpoolRecord[] {
  const topic = (records[0] as SpoolRecord).topic;
  let n = 1;
  while (n < records.length && (records[n] as SpoolRecord).topic === topic) n++;
  return records.slice(0, n);
}
