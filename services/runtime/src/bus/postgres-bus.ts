import { fileURLToPath } from 'node:url';
import { EventEnvelope, messageKeyOf, type Topic } from '@speaknode/contracts';
import type pg from 'pg';
import { inTransaction } from '../database.ts';
import { runMigrations } from '../migrations.ts';
import {
  type Bus,
  type BusSubscription,
  type DeliveredEvent,
  refuseBadEnvelopes,
  type SubscribeOptions,
} from './bus.ts';

const MIGRATIONS = fileURLToPath(new URL('../../migrations/bus', import.meta.url));

export interface PostgresBusOptions {
  /** How often an idle consumer looks for new messages (default 200 ms); local publishes wake it at once. */
  pollMs?: number;
  /** How long a consumer's claim on (group, topic) lasts without renewal (default 15 s). */
  leaseMs?: number;
  batchSize?: number;
  /** Delay before a failed handler sees the same event again; doubles per failure up to 10 s (default 250 ms). */
  retryDelayMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * The bus on PostgreSQL, for installs without Kafka: durable (committed rows), shared by every
 * process on the database, ordered per topic, at least once, one committed position per consumer
 * group and topic. It never holds a transaction open while awaiting anything but its own
 * statements, so it runs on embedded PGlite (one session at a time) as on a real server.
 */
export class PostgresBus implements Bus {
  private readonly subscriptions = new Set<PostgresSubscription>();
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresBusOptions,
  ) {}

  /** Applies the bus's own migrations (scope `bus`) and returns a bus on `pool`. The pool stays the caller's. */
  static async open(pool: pg.Pool, options: PostgresBusOptions = {}): Promise<PostgresBus> {
    await runMigrations(pool, MIGRATIONS, 'bus');
    return new PostgresBus(pool, options);
  }

  async publish(topic: Topic, events: EventEnvelope[]): Promise<void> {
    if (this.closed) throw new Error('the bus is closed');
    if (events.length === 0) return;
    refuseBadEnvelopes(events);
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ next_offset: string }>(
        `INSERT INTO bus_topics (topic, next_offset) VALUES ($1, $2)
         ON CONFLICT (topic) DO UPDATE SET next_offset = bus_topics.next_offset + EXCLUDED.next_offset
         RETURNING next_offset`,
        [topic, events.length],
      );
      const first = Number(rows[0]!.next_offset) - events.length;
      await client.query(
        `INSERT INTO bus_messages (topic, "offset", key, event)
         SELECT $1, $2::bigint + ord - 1, key, event
         FROM unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS m(key, event, ord)`,
        [topic, first, events.map(messageKeyOf), events.map((e) => JSON.stringify(e))],
      );
    });
    for (const subscription of this.subscriptions) subscription.wake(topic);
  }

  async subscribe(options: SubscribeOptions): Promise<BusSubscription> {
    if (this.closed) throw new Error('the bus is closed');
    const subscription = new PostgresSubscription(this.pool, this.options, options, () => {
      this.subscriptions.delete(subscription);
    });
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }
}

class PostgresSubscription implements BusSubscription {
  private readonly holder = `consumer-${process.pid}-${crypto.randomUUID()}`;
  private readonly wakers = new Map<Topic, () => void>();
  private readonly loops: Promise<void>[] = [];
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly busOptions: PostgresBusOptions,
    private readonly options: SubscribeOptions,
    private readonly onStop: () => void,
  ) {}

  start() {
    for (const topic of new Set(this.options.topics)) this.loops.push(this.consume(topic));
  }

  wake(topic: Topic) {
    this.wakers.get(topic)?.();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const wake of this.wakers.values()) wake();
    await Promise.all(this.loops);
    await this.pool.query('DELETE FROM bus_consumer_leases WHERE holder = $1', [this.holder]).catch(() => {});
    this.onStop();
  }

  private sleep(topic: Topic, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakers.set(topic, done);
    });
  }

  private async claim(topic: Topic): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO bus_consumer_leases (group_id, topic, holder, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))
       ON CONFLICT (group_id, topic) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE bus_consumer_leases.holder = EXCLUDED.holder OR bus_consumer_leases.expires_at < now()
       RETURNING holder`,
      [this.options.group, topic, this.holder, (this.busOptions.leaseMs ?? 15_000) / 1000],
    );
    return (result.rowCount ?? 0) > 0;
  }

  private async position(topic: Topic): Promise<number> {
    const start = this.options.fromBeginning === false ? '(SELECT next_offset FROM bus_topics WHERE topic = $2)' : '0';
    await this.pool.query(
      `INSERT INTO bus_consumer_offsets (group_id, topic, next_offset)
       VALUES ($1, $2, COALESCE(${start}, 0)) ON CONFLICT DO NOTHING`,
      [this.options.group, topic],
    );
    const { rows } = await this.pool.query<{ next_offset: string }>(
      'SELECT next_offset FROM bus_consumer_offsets WHERE group_id = $1 AND topic = $2',
      [this.options.group, topic],
    );
    return Number(rows[0]!.next_offset);
  }

  private async consume(topic: Topic): Promise<void> {
    const pollMs = this.busOptions.pollMs ?? 200;
    const log = this.busOptions.log ?? ((message, fields) => console.warn(message, fields ?? ''));
    // Created before the first await so that a publish during start-up wakes this loop.
    this.wakers.set(topic, () => {});
    let failures = 0;
    let leaseRenewedAt = 0;
    let next: number | undefined;
    while (!this.stopped) {
      try {
        if (Date.now() - leaseRenewedAt > (this.busOptions.leaseMs ?? 15_000) / 3) {
          if (!(await this.claim(topic))) {
            await this.sleep(topic, pollMs * 5);
            continue;
          }
          leaseRenewedAt = Date.now();
          // Another consumer of the group may have moved the position while we did not hold the claim.
          next = undefined;
        }
        next ??= await this.position(topic);
        const { rows } = await this.pool.query<{ offset: string; key: string; event: unknown }>(
          `SELECT "offset", key, event FROM bus_messages WHERE topic = $1 AND "offset" >= $2 ORDER BY "offset" LIMIT $3`,
          [topic, next, this.busOptions.batchSize ?? 100],
        );
        if (rows.length === 0) {
          failures = 0;
          await this.sleep(topic, pollMs);
          continue;
        }
        for (const row of rows) {
          if (this.stopped) return;
          const envelope = EventEnvelope.safeParse(row.event);
          if (envelope.success) {
            const delivered: DeliveredEvent = { topic, key: row.key, event: envelope.data as DeliveredEvent['event'] };
            await this.options.handler(delivered);
          } else {
            log('bus: skipping a message that is not an event envelope', { topic, offset: row.offset });
          }
          next = Number(row.offset) + 1;
          await this.pool.query(
            `UPDATE bus_consumer_offsets SET next_offset = GREATEST(next_offset, $3), updated_at = now()
             WHERE group_id = $1 AND topic = $2`,
            [this.options.group, topic, next],
          );
          failures = 0;
        }
      } catch (error) {
        next = undefined;
        failures++;
        log('bus: handler or database failed; the event will be delivered again', {
          topic,
          group: this.options.group,
          error: (error as Error).message,
        });
        await this.sleep(
          topic,
          Math.min(10_000, (this.busOptions.retryDelayMs ?? 250) * 2 ** Math.min(failures - 1, 6)),
        );
      }
    }
  }
}
