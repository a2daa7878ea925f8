/**
 * In the stack the agent's spans reach control through the collector's Kafka exporter (topic
 * `agent.telemetry.spans`, OTLP JSON): this consumer feeds them through the same ingest as
 * `POST /v1/traces`, so they are checked against the call records before ClickHouse sees them.
 * A message that is not OTLP is logged and skipped (never retried forever).
 */
import { Topics } from '@speaknode/contracts';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../context.ts';
import { describeRejections, type SpanIngest } from './ingest.ts';
import { decodeJson, decodeProtobuf } from './otlp.ts';

export interface KafkaSpanConsumer {
  stop(): Promise<void>;
}

export const SPAN_CONSUMER_GROUP = 'control-analytics-spans';

export async function startKafkaSpanConsumer(
  brokers: string[],
  ingest: SpanIngest,
  log: Logger,
  options: { fromBeginning?: boolean; groupId?: string } = {},
): Promise<KafkaSpanConsumer> {
  const kafka = new Kafka({ clientId: 'speaknode-control-analytics', brokers, logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId: options.groupId ?? SPAN_CONSUMER_GROUP });
  await consumer.connect();
  await consumer.subscribe({ topic: Topics.agentTelemetrySpans, fromBeginning: options.fromBeginning ?? false });
  const handle = spanMessageHandler(ingest, log);
  await consumer.run({
    eachMessage: ({ message, partition, topic }) => handle(message.value, { topic, partition, offset: message.offset }),
  });
  return { stop: () => consumer.disconnect() };
}

/**
 * What the consumer does with one message: OTLP JSON (what the collector is configured to write) or
 * OTLP protobuf into the ingest; anything else is logged and skipped, since retrying it could never
 * succeed. An ingest failure (PostgreSQL down) throws, so kafkajs retries the message: ingest is
 * idempotent by span id.
 */
export function spanMessageHandler(ingest: SpanIngest, log: Logger) {
  return async (value: Buffer | null, where: { topic: string; partition: number; offset: string }) => {
    if (!value) return;
    let spans: ReturnType<typeof decodeJson>;
    try {
      spans = value[0] === 0x7b ? decodeJson(JSON.parse(value.toString('utf8'))) : decodeProtobuf(value);
    } catch (error) {
      log.warn('analytics: skipped a span message that is not OTLP', { ...where, error: (error as Error).message });
      return;
    }
    const result = await ingest.ingest(spans);
    if (result.rejected > 0)
      log.warn('analytics: refused spans', { rejected: result.rejected, why: describeRejections(result) });
  };
}
