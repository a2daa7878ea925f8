/**
 * Analytics benchmark: span ingest rate (OTLP protobuf decode → call check → store, the code
 * `POST /v1/traces` runs, in batches of 500 spans) into each backend, then the dashboard query
 * (`GET …/analytics`, every figure, one month by day) over BENCH_TURNS turns (default 1,000,000):
 * p50/p95 of BENCH_QUERIES runs. PostgreSQL from DATABASE_URL (else embedded PGlite), ClickHouse
 * from CLICKHOUSE_URL (else Debian's clickhouse-server, 18.16 here). BENCH_KEEP=1 keeps both databases
 * (with CLICKHOUSE_URL, to look at them afterwards). Last line: one JSON object.
 */
import { createTestDatabase } from '@speaknode/runtime/testing';
import { ClickHouseAnalyticsStore } from '../src/analytics/clickhouse-store.ts';
import type { Placed } from '../src/analytics/facts.ts';
import { factOf } from '../src/analytics/facts.ts';
import { SpanIngest } from '../src/analytics/ingest.ts';
import { decodeProtobuf } from '../src/analytics/otlp.ts';
import { PostgresAnalyticsStore } from '../src/analytics/postgres-store.ts';
import { filterOf } from '../src/analytics/report.ts';
import type { AnalyticsStore } from '../src/analytics/store.ts';
import { startClickHouse } from '../src/analytics/testing/clickhouse-server.ts';
import { generateCalls, insertCalls, otlpProtobuf, spansOf } from '../src/analytics/testing/synthetic-calls.ts';
import { migrateControl } from '../src/start.ts';

const TURNS = Number(process.env.BENCH_TURNS ?? 1_000_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 20);
const INGEST_SPANS = Number(process.env.BENCH_INGEST_SPANS ?? 20_000);
const SPACE = '66666666-6666-4666-8666-666666666666';
const AGENTS = ['77777777-7777-4777-8777-777777777777', '88888888-8888-4888-8888-888888888888'];
const START = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const TURNS_PER_CALL = 10;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1] ?? 0;
};

const database = await createTestDatabase();
await migrateControl(database.pool);
await database.pool.query(`INSERT INTO spaces (id, name) VALUES ($1, 'bench')`, [SPACE]);
const calls = generateCalls({
  seed: 7,
  calls: Math.ceil(TURNS / TURNS_PER_CALL / 0.92),
  spaceId: SPACE,
  agentIds: AGENTS,
  startMs: START,
  spreadMs: 30 * DAY,
  turnsPerCall: [TURNS_PER_CALL, TURNS_PER_CALL],
});
// In the order a real install sees them: calls created, and their spans sent, as time goes by.
calls.sort((a, b) => a.createdMs - b.createdMs);
console.log(`${calls.length} calls, ${calls.reduce((n, c) => n + c.turns.length, 0)} turns`);
await insertCalls(database.pool, calls);

const clickhouse = await startClickHouse();
/**
 * BENCH_EXPLAIN=1: each dashboard query on PostgreSQL is run once more as `EXPLAIN (ANALYZE, BUFFERS)`
 * after the timed runs, and the plans printed (which tables and indexes the report reads).
 */
const explain = process.env.BENCH_EXPLAIN === '1';
const plans: string[] = [];
const isReport = (sql: string) => explainOn && /^\s*(SELECT|WITH)\b/i.test(sql) && !/\bINSERT\b/i.test(sql);
type Queryable = { query: (sql: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }> };
const explaining = (target: Queryable) => async (sql: string, params?: unknown[]) => {
  if (isReport(sql)) {
    const plan = await target.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
    plans.push(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
  }
  return target.query(sql, params);
};
const explainingPool = {
  query: explaining(database.pool),
  connect: async () => {
    const client = await database.pool.connect();
    return { query: explaining(client), release: () => client.release() };
  },
} as unknown as typeof database.pool;
let explainOn = false;
const stores: Array<{ name: string; store: AnalyticsStore }> = [
  { name: 'postgresql', store: new PostgresAnalyticsStore(explain ? explainingPool : database.pool) },
];
if (!('skip' in clickhouse)) {
  const store = new ClickHouseAnalyticsStore({ url: clickhouse.url, database: `speaknode_bench_${process.pid}` });
  await store.migrate();
  await store.writeCalls(
    calls.map((c) => ({
      callId: c.id,
      spaceId: c.spaceId,
      agentId: c.agentId,
      channel: c.channel,
      phoneNumber: c.toNumber ?? '',
      startMs: c.startedMs ?? c.createdMs,
      startedMs: c.startedMs,
      endedMs: c.endedMs,
      durationSeconds: c.durationSeconds,
      endReason: c.endReason,
    })),
  );
  stores.push({ name: 'clickhouse', store });
} else console.log(`ClickHouse skipped: ${clickhouse.skip}`);

// The first calls' spans (about INGEST_SPANS) go through the ingest path; the rest are made call by
// call while loading (a million turns' spans at once do not fit in memory).
const ingestSpans: ReturnType<typeof spansOf> = [];
let ingestCalls = 0;
while (ingestCalls < calls.length && ingestSpans.length < INGEST_SPANS)
  ingestSpans.push(...spansOf(calls[ingestCalls++]!));
const ingestBodies: Buffer[] = [];
for (let i = 0; i < ingestSpans.length; i += 500) ingestBodies.push(otlpProtobuf(ingestSpans.slice(i, i + 500)));
const ingestCount = ingestSpans.length;
ingestSpans.length = 0;

const result: Record<string, unknown> = {
  turns: TURNS,
  clickhouseVersion: 'skip' in clickhouse ? null : clickhouse.version,
  postgres: process.env.DATABASE_URL ? 'server' : 'embedded PGlite',
};
for (const { name, store } of stores) {
  // Ingest rate on the first spans (the real path), then the rest loaded straight into the store.
  const ingest = new SpanIngest(database.pool, store);
  const began = performance.now();
  for (const body of ingestBodies) await ingest.ingest(decodeProtobuf(body));
  const ingestSeconds = (performance.now() - began) / 1000;
  const rest: Placed[] = [];
  const refs = new Map(calls.map((c) => [c.id, c]));
  for (const span of (function* () {
    for (const call of calls.slice(ingestCalls)) yield* spansOf(call);
  })()) {
    const claimed = factOf({
      traceId: span.traceId,
      spanId: span.spanId,
      name: span.name,
      startMs: Number(BigInt(span.startTimeUnixNano) / 1_000_000n),
      attributes: Object.fromEntries(span.attributes.map((a) => [a.key, Object.values(a.value)[0] as never])),
    });
    const call = claimed?.claim.callId ? refs.get(claimed.claim.callId) : undefined;
    if (!claimed || !call) continue;
    rest.push({
      ...claimed.fact,
      spaceId: SPACE,
      callId: call.id,
      agentId: call.agentId,
      channel: call.channel,
      phoneNumber: call.toNumber ?? '',
    });
    if (rest.length >= 20_000) await store.write(rest.splice(0));
  }
  if (rest.length > 0) await store.write(rest);
  const filter = filterOf(SPACE, {
    from: new Date(START).toISOString(),
    to: new Date(START + 31 * DAY).toISOString(),
    bucket: 'day',
  });
  const times: number[] = [];
  let turns = 0;
  for (let i = 0; i < QUERIES; i++) {
    const t0 = performance.now();
    turns = (await store.report(filter)).turns;
    times.push(performance.now() - t0);
  }
  if (explain && name === 'postgresql') {
    explainOn = true;
    await store.report(filter);
    explainOn = false;
    for (const plan of plans) console.log(`--- plan\n${plan}`);
  }
  result[name] = {
    ingestSpansPerSecond: Math.round(ingestCount / ingestSeconds),
    dashboardTurns: turns,
    dashboardP50Ms: Math.round(percentile(times, 0.5)),
    dashboardP95Ms: Math.round(percentile(times, 0.95)),
    targetP95Ms: name === 'clickhouse' ? 200 : 1000,
  };
  console.log(name, JSON.stringify(result[name]));
}
for (const { store } of stores) if (store.source === 'clickhouse') await store.close();
if (process.env.BENCH_KEEP === '1') {
  // For looking at the data afterwards: both databases stay.
  console.log(`kept: ${database.url}, ClickHouse database speaknode_bench_${process.pid}`);
  await database.pool.end();
} else {
  if (!('skip' in clickhouse)) await clickhouse.stop();
  await database.drop();
}
console.log(JSON.stringify(result));
