import { randomUUID } from 'node:crypto';

import { fileURLToPath } from 'node:url';
import { createEvent, UsageUpdated } from '@speaknode/contracts';
import { runMigrations } from '@speaknode/runtime/db';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHttpServer, startLocalHttpServer } from '../testing/local-http-server.ts';
import { LagoClient } from './lago-client.ts';
import { USAGE_METRICS, UsageMetering } from './usage-metering.ts';

const migrations = fileURLToPath(new URL('../../migrations', import.meta.url));
const API_KEY = 'lago-test-key';

/** A local server speaking Lago's events API: Bearer key, `{event: {...}}`, duplicates refused with 422. */
class FakeLago {
  readonly events = new Map<string, Record<string, unknown>>();
  posts = 0;
  down = false;
  private server!: LocalHttpServer;
  url = '';

  async start() {
    this.server = await startLocalHttpServer((req, body, res) => {
      this.posts += 1;
      const reply = (status: number, json: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (this.down) return reply(503, { status: 503, error: 'Service Unavailable' });
      if (req.method !== 'POST' || req.url !== '/api/v1/events') return reply(404, { status: 404, error: 'Not Found' });
      if (req.headers.authorization !== `Bearer ${API_KEY}`) return reply(401, { status: 401, error: 'Unauthorized' });
      const event = (JSON.parse(body) as { event?: Record<string, unknown> }).event;
      if (
        !event ||
        typeof event.transaction_id !== 'string' ||
        typeof event.code !== 'string' ||
        !event.external_subscription_id
      ) {
        return reply(400, { status: 400, error: 'Bad Request', code: 'bad_request' });
      }
      if (this.events.has(event.transaction_id)) {
        return reply(422, {
          status: 422,
          error: 'Unprocessable Entity',
          code: 'validation_errors',
          error_details: { transaction_id: ['value_already_exist'] },
        });
      }
      this.events.set(event.transaction_id, event);
      reply(200, { event: { lago_id: randomUUID(), ...event } });
    });
    this.url = `${this.server.url}`;
    return this;
  }

  async stop() {
    await this.server.close();
  }
}

let db: TestDatabase;
let lago: FakeLago;
const spaceId = randomUUID();

beforeAll(async () => {
  db = await createTestDatabase();
  await runMigrations(db.pool, migrations, 'control');
  lago = await new FakeLago().start();
});
afterAll(async () => {
  await lago?.stop();
  await db?.drop();
});

function usageEvent(callId = randomUUID()) {
  return createEvent(UsageUpdated, {
    source: 'control',
    spaceId,
    subject: callId,
    data: {
      callId,
      agentId: randomUUID(),
      usage: {
        callSeconds: 90,
        sttSeconds: 40.5,
        ttsCharacters: 1200,
        llmPromptTokens: 900,
        llmCompletionTokens: 300,
        toolCalls: 2,
      },
    },
  });
}

describe(`UsageMetering to Lago (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  it('sends one event per metric with the call id as transaction id, once', async () => {
    const metering = new UsageMetering({ pool: db.pool, lago: new LagoClient({ apiUrl: lago.url, apiKey: API_KEY }) });
    const event = usageEvent();
    expect(await metering.enqueue(event)).toBe(Object.keys(USAGE_METRICS).length);
    expect(await metering.enqueue(event)).toBe(0); // the bus delivered it again
    expect(await metering.sendDue()).toBe(5);
    expect(await metering.sendDue()).toBe(0);
    const minutes = lago.events.get(`${event.data.callId}:call_minutes`)!;
    expect(minutes).toMatchObject({
      external_subscription_id: spaceId,
      code: 'call_minutes',
      properties: { minutes: 1.5 },
    });
    expect(lago.events.get(`${event.data.callId}:llm_tokens`)!.properties).toEqual({
      prompt_tokens: 900,
      completion_tokens: 300,
      total_tokens: 1200,
    });
    expect(typeof minutes.timestamp).toBe('number');
  });

  it('keeps events while Lago is down, with the reason, and sends each exactly once when it is back', async () => {
    let clock = Date.now();
    const metering = new UsageMetering({
      pool: db.pool,
      lago: new LagoClient({ apiUrl: lago.url, apiKey: API_KEY }),
      now: () => new Date(clock),
    });
    const event = usageEvent();
    await metering.enqueue(event);
    lago.down = true;
    expect(await metering.sendDue()).toBe(0);
    const { rows } = await db.pool.query(
      "SELECT status, attempts, last_error, next_attempt_at FROM lago_events WHERE call_id = $1 AND code = 'call_minutes'",
      [event.data.callId],
    );
    expect(rows[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(rows[0].last_error).toMatch(/Lago answered 503/);
    expect(await metering.sendDue()).toBe(0); // backing off: nothing due yet
    lago.down = false;
    clock += 10_000;
    expect(await metering.sendDue()).toBe(5);
    expect([...lago.events.keys()].filter((k) => k.startsWith(event.data.callId))).toHaveLength(5);
  });

  it('treats an event Lago already has as sent (a crash after Lago accepted, before we recorded it)', async () => {
    const metering = new UsageMetering({ pool: db.pool, lago: new LagoClient({ apiUrl: lago.url, apiKey: API_KEY }) });
    const event = usageEvent();
    lago.events.set(`${event.data.callId}:tool_calls`, { already: true });
    await metering.enqueue(event);
    expect(await metering.sendDue()).toBe(5);
    expect(lago.events.get(`${event.data.callId}:tool_calls`)).toEqual({ already: true });
  });

  it('reports a wrong API key and an unreachable Lago as retryable errors', async () => {
    expect(
      await new LagoClient({ apiUrl: lago.url, apiKey: 'wrong' }).send({
        transaction_id: 't',
        external_subscription_id: 's',
        code: 'c',
        timestamp: 1,
        properties: {},
      }),
    ).toEqual({ outcome: 'retry', error: expect.stringMatching(/Lago answered 401/) });
    const closed = await new FakeLago().start();
    await closed.stop();
    expect(
      await new LagoClient({ apiUrl: closed.url, apiKey: API_KEY }).send({
        transaction_id: 't',
        external_subscription_id: 's',
        code: 'c',
        timestamp: 1,
        properties: {},
      }),
    ).toEqual({ outcome: 'retry', error: expect.stringMatching(/not reachable: ECONNREFUSED/) });
  });
});
