/**
 * The day rollups against the facts they sum: a report read from freshly kept rollups equals one
 * read from rollups rebuilt from the raw facts (the backfill an install from before the rollups gets:
 * migration 0202 on PostgreSQL, `migrate()` on ClickHouse), and with the rollups emptied the report
 * changes (it does read them).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrateControl } from '../start.ts';
import { ClickHouseAnalyticsStore } from './clickhouse-store.ts';
import { SpanIngest } from './ingest.ts';
import { decodeProtobuf } from './otlp.ts';
import { PostgresAnalyticsStore } from './postgres-store.ts';
import { filterOf } from './report.ts';
import type { AnalyticsStore } from './store.ts';
import { type RunningClickHouse, startClickHouse } from './testing/clickhouse-server.ts';
import { generateCalls, insertCalls, otlpProtobuf, type SyntheticCall, spansOf } from './testing/synthetic-calls.ts';

const SPACE = '44444444-4444-4444-8444-444444444444';
const AGENT = '55555555-5555-4555-8555-555555555555';
const DAY = 86_400_000;
const START = Date.UTC(2026, 5, 1);

let database: TestDatabase;
let calls: SyntheticCall[];
const clickhouse = await startClickHouse();
if ('skip' in clickhouse) console.info(`ClickHouse rollups not tested: ${clickhouse.skip}`);

beforeAll(async () => {
  database = await createTestDatabase();
  await migrateControl(database.pool);
  await database.pool.query(`INSERT INTO spaces (id, name) VALUES ($1, 'rollups')`, [SPACE]);
  calls = generateCalls({
    seed: 31,
    calls: 80,
    spaceId: SPACE,
    agentIds: [AGENT],
    startMs: START,
    spreadMs: 4 * DAY,
  });
  await insertCalls(database.pool, calls);
}, 120_000);

afterAll(async () => {
  await database?.drop();
  if (!('skip' in clickhouse)) await (clickhouse as RunningClickHouse).stop();
});

async function load(store: AnalyticsStore) {
  const ingest = new SpanIngest(database.pool, store);
  const result = await ingest.ingest(decodeProtobuf(otlpProtobuf(calls.flatMap((c) => spansOf(c)))));
  expect(result.rejected).toBe(0);
  expect(result.accepted).toBeGreaterThan(400);
}

const filter = filterOf(SPACE, {
  from: new Date(START).toISOString(),
  to: new Date(START + 6 * DAY).toISOString(),
  bucket: 'day',
});

describe('analytics day rollups', () => {
  it('PostgreSQL: rebuilt from the facts by migration 0202, they answer the same', async () => {
    const store = new PostgresAnalyticsStore(database.pool);
    await load(store);
    const kept = await store.report(filter);
    expect(kept.turns).toBeGreaterThan(400);
    expect(kept.latency.response.count).toBeGreaterThan(300);
    expect(kept.tools.length).toBeGreaterThan(0);
    // Filtered by agent (the per-agent histogram), the one agent’s report is the whole space’s.
    expect(await store.report({ ...filter, agentId: AGENT })).toEqual(kept);
    await database.pool.query('DELETE FROM analytics_turn_days; DELETE FROM analytics_tool_days');
    await database.pool.query('DELETE FROM analytics_latency_days; DELETE FROM analytics_space_latency_days');
    const emptied = await store.report(filter);
    expect(emptied.turns).toBe(0);
    expect(emptied.latency.response.count).toBe(0);
    const migration = await readFile(join(MIGRATIONS_DIR, '0202_analytics_rollups.sql'), 'utf8');
    const backfill = migration.slice(migration.indexOf('-- The facts stored before this migration'));
    await database.pool.query(backfill);
    expect(await store.report(filter)).toEqual(kept);
  });

  (!('skip' in clickhouse) ? it : it.skip)(
    'ClickHouse: rebuilt from the facts by migrate() when the rollups are new, they answer the same',
    async () => {
      const { url } = clickhouse as RunningClickHouse;
      const db = `speaknode_rollups_${process.pid}`;
      const store = new ClickHouseAnalyticsStore({ url, database: db });
      await store.migrate();
      await load(store);
      const kept = await store.report(filter);
      expect(kept.turns).toBeGreaterThan(400);
      expect(kept.latency.response.count).toBeGreaterThan(300);
      expect(await store.report({ ...filter, agentId: AGENT })).toEqual(kept);
      for (const name of [
        'turn_days',
        'turn_latency',
        'tool_days',
        'tool_latency',
        'turn_space_latency',
        'tool_space_latency',
      ])
        await fetch(url, { method: 'POST', body: `DROP TABLE ${db}.analytics_${name}_mv` });
      for (const name of ['turn_days', 'tool_days', 'latency_days', 'space_latency_days'])
        await fetch(url, { method: 'POST', body: `DROP TABLE ${db}.analytics_${name}` });
      await store.migrate();
      expect(await store.report(filter)).toEqual(kept);
      // migrate() again: the rollups exist, nothing is counted twice.
      await store.migrate();
      expect(await store.report(filter)).toEqual(kept);
      await store.close();
    },
  );
});
