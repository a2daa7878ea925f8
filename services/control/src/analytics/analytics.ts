/**
 * Analytics, built once per ControlContext: the store (ClickHouse when CLICKHOUSE_URL is set,
 * PostgreSQL otherwise), span ingest with its flood gate, and — with ClickHouse — what feeds it:
 * ended calls (each `call.ended` queues its call id in PostgreSQL; a poller copies the queue to
 * ClickHouse a batch per insert, as ClickHouse wants its rows, and only then empties it), and in the
 * stack the collector's spans from Kafka (`agent.telemetry.spans`, when KAFKA_BROKERS is set).
 * `start()`/`stop()` run them.
 */
import { CallEnded } from '@speaknode/contracts';
import { BacklogPoller } from '@speaknode/runtime/backlog-poller';
import type { BusSubscription } from '@speaknode/runtime/bus';
import type { ControlContext } from '../context.ts';

import { PHONE_NUMBER_SQL } from './call-refs.ts';
import { ClickHouseAnalyticsStore, type EndedCall } from './clickhouse-store.ts';
import { SpanIngest } from './ingest.ts';
import { type KafkaSpanConsumer, startKafkaSpanConsumer } from './kafka-span-consumer.ts';
import { PostgresAnalyticsStore } from './postgres-store.ts';
import type { AnalyticsStore } from './store.ts';

/** What analytics needs of control: built before the context, which then carries it. */
export type AnalyticsDeps = Pick<ControlContext, 'config' | 'pool' | 'bus' | 'log'>;

export interface AnalyticsSettings {
  /** Span batches decoded and stored at once; more get 429 with Retry-After (bounded memory). */
  maxConcurrentIngests: number;
  retryAfterSeconds: number;
}

/** How often queued ended calls are copied to ClickHouse (a backlog is worked through at once). */
const CALL_COPY_INTERVAL_MS = 1000;

const DEFAULTS: AnalyticsSettings = { maxConcurrentIngests: 4, retryAfterSeconds: 1 };

export class Analytics {
  readonly store: AnalyticsStore;
  readonly ingest: SpanIngest;
  readonly settings: AnalyticsSettings;
  private inFlight = 0;
  private subscriptions: BusSubscription[] = [];
  private kafka: KafkaSpanConsumer | undefined;
  private callCopier: BacklogPoller | undefined;

  constructor(
    private readonly ctx: AnalyticsDeps,
    settings: Partial<AnalyticsSettings> = {},
  ) {
    this.settings = { ...DEFAULTS, ...settings };
    const { config } = ctx;
    this.store = config.CLICKHOUSE_URL
      ? new ClickHouseAnalyticsStore({
          url: config.CLICKHOUSE_URL,
          username: config.CLICKHOUSE_USER,
          password: config.CLICKHOUSE_PASSWORD,
          database: config.CLICKHOUSE_DATABASE,
        })
      : new PostgresAnalyticsStore(ctx.pool);
    this.ingest = new SpanIngest(ctx.pool, this.store);
  }

  /** Runs `work` if a slot is free; undefined when the gate is full (the caller answers 429). */
  async gated<T>(work: () => Promise<T>): Promise<T | undefined> {
    if (this.inFlight >= this.settings.maxConcurrentIngests) return undefined;
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
    }
  }

  async start(): Promise<void> {
    const store = this.store;
    if (!(store instanceof ClickHouseAnalyticsStore)) return;
    await store.migrate();
    this.subscriptions.push(
      await this.ctx.bus.subscribe({
        group: 'control-analytics-calls',
        topics: [CallEnded.topic],
        handler: async ({ event }) => {
          if (event.type !== CallEnded.type) return;
          const callId = (event.data as { callId?: string }).callId;
          if (callId) {
            await this.ctx.pool.query(
              'INSERT INTO analytics_call_queue (call_id) VALUES ($1) ON CONFLICT (call_id) DO NOTHING',
              [callId],
            );
          }
        },
      }),
    );
    this.callCopier = new BacklogPoller((batchSize) => this.copyQueuedCalls(store, batchSize), {
      batchSize: 1000,
      onError: (error) =>
        this.ctx.log.error('analytics: copying ended calls to ClickHouse failed; retrying', { error }),
    });
    this.callCopier.start(CALL_COPY_INTERVAL_MS);
    if (this.ctx.config.KAFKA_BROKERS) {
      this.kafka = await startKafkaSpanConsumer(this.ctx.config.KAFKA_BROKERS, this.ingest, this.ctx.log);
    }
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions.splice(0)) await subscription.stop();
    await this.callCopier?.stop();
    await this.kafka?.stop();
    await this.store.close();
  }

  /** One pass of the copier: up to `batchSize` queued calls in one ClickHouse insert, then off the queue. */
  private async copyQueuedCalls(store: ClickHouseAnalyticsStore, batchSize: number): Promise<number> {
    const { rows } = await this.ctx.pool.query<{ call_id: string }>(
      'SELECT call_id FROM analytics_call_queue ORDER BY queued_at LIMIT $1',
      [batchSize],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.call_id);
    await store.writeCalls(await this.endedCalls(ids));
    await this.ctx.pool.query('DELETE FROM analytics_call_queue WHERE call_id = ANY($1::uuid[])', [ids]);
    return ids.length;
  }

  /** Ended calls as analytics keeps them, read from the call records. */
  async endedCalls(callIds: string[]): Promise<EndedCall[]> {
    const ms = (expr: string) => `floor(extract(epoch FROM ${expr}) * 1000)::bigint`;
    const { rows } = await this.ctx.pool.query(
      `SELECT id, space_id, agent_id, channel, ${PHONE_NUMBER_SQL} AS number,
         ${ms('coalesce(started_at, created_at)')} AS start_ms, ${ms('started_at')} AS started_ms,
         ${ms('ended_at')} AS ended_ms, duration_seconds, coalesce(end_reason, status) AS reason
       FROM calls WHERE id = ANY($1::uuid[]) AND status IN ('ended', 'failed')`,
      [callIds],
    );
    const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return rows.map((r) => ({
      callId: r.id,
      spaceId: r.space_id,
      agentId: r.agent_id,
      channel: r.channel,
      phoneNumber: r.number,
      startMs: Number(r.start_ms),
      startedMs: n(r.started_ms),
      endedMs: n(r.ended_ms),
      durationSeconds: n(r.duration_seconds),
      endReason: r.reason,
    }));
  }
}
