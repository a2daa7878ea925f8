/**
 * The stack's span path: the collector's Kafka exporter → `agent.telemetry.spans` → control's
 * consumer → the same ingest as `POST /v1/traces`. The message handler is tested here on every
 * kind of message; the consumer itself runs against real brokers when KAFKA_BROKERS is set.
 */
import { randomUUID } from 'node:crypto';
import { Topics } from '@speaknode/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../context.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';
import { spanMessageHandler, startKafkaSpanConsumer } from './kafka-span-consumer.ts';
import {
  generateCalls,
  insertCalls,
  otlpJson,
  otlpProtobuf,
  type SyntheticCall,
  spansOf,
} from './testing/synthetic-calls.ts';

let control: TestControl;
let spaceId: string;
let calls: SyntheticCall[];
const AGENT = '44444444-4444-4444-8444-444444444444';
const where = { topic: Topics.agentTelemetrySpans, partition: 0, offset: '0' };

function recordingLogger() {
  const warnings: Array<{ message: string; fields: unknown }> = [];
  const log: Logger = { info() {}, error() {}, warn: (message, fields) => void warnings.push({ message, fields }) };
  return { log, warnings };
}

const storedTurns = async (callId: string) =>
  Number(
    (await control.control.ctx.pool.query('SELECT count(*) AS n FROM analytics_turns WHERE call_id = $1', [callId]))
      .rows[0].n,
  );

beforeAll(async () => {
  control = await startTestControl();
  const owner = await control.userToken('kafka-spans-owner');
  spaceId = (await control.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Spans' } })).body.id;
  calls = generateCalls({
    seed: 7,
    calls: 4,
    spaceId,
    agentIds: [AGENT],
    startMs: Date.UTC(2026, 5, 1),
    spreadMs: 600_000,
    turnsPerCall: [2, 2],
  });
  await insertCalls(control.control.ctx.pool, calls);
});
afterAll(() => control.close());

describe('a span message from Kafka', () => {
  it('stores the turns of OTLP JSON (what the collector writes) and of OTLP protobuf', async () => {
    const { log, warnings } = recordingLogger();
    const handle = spanMessageHandler(control.control.ctx.analytics.ingest, log);
    const [json, proto] = calls;
    await handle(Buffer.from(JSON.stringify(otlpJson(spansOf(json!)))), where);
    await handle(otlpProtobuf(spansOf(proto!)), where);
    expect(await storedTurns(json!.id)).toBe(json!.turns.length);
    expect(await storedTurns(proto!.id)).toBe(proto!.turns.length);
    // The same message again (Kafka delivers at least once) stores nothing twice.
    await handle(Buffer.from(JSON.stringify(otlpJson(spansOf(json!)))), where);
    expect(await storedTurns(json!.id)).toBe(json!.turns.length);
    expect(warnings).toEqual([]);
  });

  it('skips a message that is not OTLP with a warning naming where it was, instead of retrying it forever', async () => {
    const { log, warnings } = recordingLogger();
    const handle = spanMessageHandler(control.control.ctx.analytics.ingest, log);
    await expect(handle(Buffer.from('{"resourceSpans": 7'), where)).resolves.toBeUndefined();
    await expect(handle(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), where)).resolves.toBeUndefined();
    await expect(handle(null, where)).resolves.toBeUndefined();
    expect(warnings.map((w) => w.message)).toEqual([
      'analytics: skipped a span message that is not OTLP',
      'analytics: skipped a span message that is not OTLP',
    ]);
    expect(warnings[0]!.fields).toMatchObject({ topic: Topics.agentTelemetrySpans, partition: 0, offset: '0' });
  });

  it("refuses spans that claim another space's call, with a warning, and stores none of them", async () => {
    const { log, warnings } = recordingLogger();
    const handle = spanMessageHandler(control.control.ctx.analytics.ingest, log);
    const call = calls[2]!;
    await handle(Buffer.from(JSON.stringify(otlpJson(spansOf(call, { spaceId: randomUUID() })))), where);
    expect(await storedTurns(call.id)).toBe(0);
    expect(warnings.map((w) => w.message)).toEqual(['analytics: refused spans']);
  });
});

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
if (brokers.length > 0) {
  describe('the span consumer on the brokers in KAFKA_BROKERS', () => {
    it('ingests what is produced to agent.telemetry.spans', async () => {
      const call = calls[3]!;
      const kafka = new Kafka({ clientId: 'speaknode-span-contract', brokers, logLevel: logLevel.WARN });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: Topics.agentTelemetrySpans }] }).catch(() => false);
      await admin.disconnect();
      const consumer = await startKafkaSpanConsumer(
        brokers,
        control.control.ctx.analytics.ingest,
        recordingLogger().log,
        {
          fromBeginning: true,
          groupId: `speaknode-span-contract-${randomUUID()}`,
        },
      );
      const producer = kafka.producer();
      await producer.connect();
      try {
        await producer.send({
          topic: Topics.agentTelemetrySpans,
          messages: [{ value: JSON.stringify(otlpJson(spansOf(call))) }],
        });
        await vi.waitFor(async () => expect(await storedTurns(call.id)).toBe(call.turns.length), {
          timeout: 30_000,
          interval: 200,
        });
      } finally {
        await producer.disconnect();
        await consumer.stop();
      }
    }, 60_000);
  });
} else {
  console.info(
    'Kafka span consumer contract test: skipped because KAFKA_BROKERS is not set (no Kafka broker on this machine)',
  );
  describe.skip('the span consumer on the brokers in KAFKA_BROKERS (KAFKA_BROKERS not set)', () => {});
}
