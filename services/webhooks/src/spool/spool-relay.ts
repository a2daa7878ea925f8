import { BadEventEnvelopeError, type Bus } from '@speaknode/runtime/bus';
import { whyUnstorable } from '../storable-event.ts';
import type { Spool, SpoolRecord } from './spool.ts';

export interface RelayState {
  /** False after a failed publish, until the next one succeeds. */
  busUp: boolean;
  lastError: string | undefined;
  lastErrorAt: string | undefined;
  published: number;
  /** The wait before the next attempt while the bus is down, in ms. */
  retryInMs: number;
  /** Events this process set aside because the bus refused them as invalid. */
  deadLettered: number;
}

export interface SpoolRelayOptions {
  batchSize?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A publish that has not settled by then counts as failed (it may still land: same ids, absorbed downstream). */
  publishTimeoutMs?: number;
  /** While backing off, how often the bus is pinged; a bus that answers ends the wait at once (default 1 s). */
  probeMs?: number;
  /** The backoff cap while the spool is past half full, so senders' 503s end soon after the bus is back (default 2 s). */
  fullSpoolMaxBackoffMs?: number;
  log?: (message: string) => void;
}

/**
 * Forwards the spool to the bus in order: runs of consecutive events of one topic go out as one
 * publish; the spool's cursor moves only after the bus resolved it. While the bus is down it
 * retries the same batch with exponential backoff (with jitter), so nothing is skipped or reordered.
 * An event the bus refuses as invalid (a bad envelope, text PostgreSQL cannot store, a record
 * Kafka rejects) can never succeed by retrying: it is set aside into the spool's dead-letter
 * segment and the relay goes on with the next one.
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
    deadLettered: 0,
  };
  /** After the bus refused a batch as invalid, this many records go out one by one to find the bad ones. */
  private isolating = 0;
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
      probeMs: 1_000,
      fullSpoolMaxBackoffMs: 2_000,
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
      const predicted = whyUnstorable((run[0] as SpoolRecord).event);
      if (predicted) {
        await this.setAside(predicted);
        continue;
      }
      // Only the checked head of the run is known good; the rest is cut at the first bad record.
      const firstBad = run.findIndex((record) => whyUnstorable(record.event) !== undefined);
      let batch = firstBad === -1 ? run : run.slice(0, firstBad);
      if (this.isolating > 0) batch = batch.slice(0, 1);
      try {
        await this.publishWithTimeout(batch);
        if (!this.current.busUp) this.options.log(`spool relay: the bus is back; ${this.spool.depth().events} queued`);
        this.current.busUp = true;
        this.current.retryInMs = 0;
        this.current.published += batch.length;
        this.isolating = Math.max(0, this.isolating - batch.length);
        backoff = this.options.minBackoffMs;
        // The bus has them: a cursor that fails to persist only means they go out again after a restart.
        void this.spool
          .acknowledge(batch.length)
          .catch((error: Error) => this.options.log(`spool relay: the cursor could not be saved: ${error.message}`));
      } catch (error) {
        const message = (error as Error).message;
        if (isRefusalOfEvents(error)) {
          if (batch.length === 1) {
            this.isolating = Math.max(0, this.isolating - 1);
            await this.setAside(`the bus refused it: ${message}`);
          } else {
            this.isolating = batch.length;
          }
          continue;
        }
        if (this.current.busUp) this.options.log(`spool relay: publishing failed, retrying with backoff: ${message}`);
        this.current.busUp = false;
        this.current.lastError = message;
        this.current.lastErrorAt = new Date().toISOString();
        const depth = this.spool.depth();
        const cap = depth.bytes * 2 > depth.maxBytes ? this.options.fullSpoolMaxBackoffMs : this.options.maxBackoffMs;
        const wait = Math.round(Math.min(backoff, cap) * (0.5 + Math.random() / 2));
        this.current.retryInMs = wait;
        await this.backOff(wait);
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
      }
    }
  }

  private async setAside(reason: string): Promise<void> {
    try {
      const letter = await this.spool.setAsideHead(reason);
      this.current.deadLettered++;
      this.options.log(
        `spool relay: set aside event ${letter.event.id.slice(0, 200)} as a dead letter (${reason.slice(0, 300)})`,
      );
    } catch (error) {
      // The dead-letter segment cannot be written (disk): wait like a bus outage rather than spin.
      this.options.log(`spool relay: a dead letter could not be written: ${(error as Error).message}`);
      await this.sleep(this.options.maxBackoffMs);
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

  /** Sleeps `ms`, pinging the bus every `probeMs`: the wait ends as soon as the bus answers again. */
  private async backOff(ms: number): Promise<void> {
    let over = false;
    const sleeping = this.sleep(ms).then(() => {
      over = true;
    });
    const probing = (async () => {
      while (!over && this.running) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([sleeping, new Promise((resolve) => (timer = setTimeout(resolve, this.options.probeMs)))]);
        clearTimeout(timer);
        if (over || !this.running) return;
        if (await this.bus.ping().catch(() => false)) {
          this.wakeSleep?.();
          return;
        }
      }
    })();
    await sleeping;
    await probing;
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

const KAFKA_REFUSALS = new Set([
  'MESSAGE_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_REQUIRED_ACKS',
]);

/**
 * True when the bus refused the events themselves, so a retry cannot succeed: the buses' own
 * envelope check, a PostgreSQL data exception or program limit (SQLSTATE classes 22 and 54: a NUL
 * or a lone surrogate in jsonb, nesting too deep) or a Kafka record error. Anything else (connection, timeout, leader) is an outage.
 */
export function isRefusalOfEvents(error: unknown): boolean {
  for (
    let e = error as { name?: unknown; code?: unknown; type?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (e instanceof BadEventEnvelopeError) return true;
    if (typeof e.code === 'string' && /^(?:22|54)[0-9A-Z]{3}$/.test(e.code)) return true;
    if (typeof e.type === 'string' && KAFKA_REFUSALS.has(e.type)) return true;
  }
  return false;
}

function leadingRunOfOneTopic(records: SpoolRecord[]): SpoolRecord[] {
  const topic = (records[0] as SpoolRecord).topic;
  let n = 1;
  while (n < records.length && (records[n] as SpoolRecord).topic === topic) n++;
  return records.slice(0, n);
}
