import type { EventEnvelope, Topic } from '@speaknode/contracts';
import type { Bus } from '@speaknode/runtime/bus';
import type pg from 'pg';
import type { Logger } from '../context.ts';

export interface OutboxRelayOptions {
  /** Identifies this process in the lease; unique per instance. */
  holder?: string;
  pollMs?: number;
  batchSize?: number;
  leaseMs?: number;
}

/**
 * Publishes outbox rows to the bus in id order, then marks them published (at least once: a crash
 * between the two publishes them again, and consumers drop ids they have seen). One relay runs at
 * a time across instances, by a lease row; no transaction is held while publishing, so the
 * embedded database (one session at a time) cannot deadlock against the bus's own writes.
 */
export class OutboxRelay {
  private readonly holder: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private failures = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.holder = options.holder ?? `control-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    // Hand the lease over at once instead of making another instance wait for it to expire.
    await this.pool.query('DELETE FROM outbox_relay_lease WHERE holder = $1', [this.holder]).catch(() => {});
  }

  /** Publish soon: called after a transaction that wrote outbox rows committed. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.loop().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private lastPrune = 0;

  private async loop() {
    let published = 0;
    try {
      published = await this.runOnce();
      if (Date.now() - this.lastPrune > 3_600_000) {
        this.lastPrune = Date.now();
        await this.prune();
      }
      this.failures = 0;
    } catch (error) {
      this.failures++;
      this.log.warn('outbox relay could not publish; will retry', { error: (error as Error).message });
    }
    if (this.stopped) return;
    const more = published >= (this.options.batchSize ?? 100) || this.again;
    this.again = false;
    const backoff = Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6));
    this.schedule(this.failures > 0 ? backoff : more ? 0 : (this.options.pollMs ?? 1_000));
  }

  /** One pass: take the lease, publish a batch, mark it. Returns how many events went out. */
  async runOnce(): Promise<number> {
    const lease = await this.pool.query(
      `INSERT INTO outbox_relay_lease (name, holder, expires_at)
       VALUES ('outbox', $1, now() + make_interval(secs => $2))
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE outbox_relay_lease.holder = EXCLUDED.holder OR outbox_relay_lease.expires_at < now()
       RETURNING holder`,
      [this.holder, (this.options.leaseMs ?? 15_000) / 1000],
    );
    if (lease.rowCount === 0) return 0;
    const { rows } = await this.pool.query<{ id: string; topic: Topic; event: EventEnvelope }>(
      'SELECT id, topic, event FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1',
      [this.options.batchSize ?? 100],
    );
    if (rows.length === 0) return 0;
    // Consecutive rows of one topic go out in one publish, preserving the overall order.
    let start = 0;
    while (start < rows.length) {
      let end = start + 1;
      while (end < rows.length && rows[end]!.topic === rows[start]!.topic) end++;
      const slice = rows.slice(start, end);
      await this.bus.publish(
        slice[0]!.topic,
        slice.map((r) => r.event),
      );
      await this.pool.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [
        slice.map((r) => r.id),
      ]);
      start = end;
    }
    return rows.length;
  }

  /** Rows published more than `olderThanDays` ago are only history; drop them. */
  async prune(olderThanDays = 7): Promise<number> {
    const result = await this.pool.query('DELETE FROM outbox WHERE published_at < now() - make_interval(days => $1)', [
      olderThanDays,
    ]);
    return result.rowCount ?? 0;
  }
}
