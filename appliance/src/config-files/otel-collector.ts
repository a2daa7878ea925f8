import { Topics } from '@speaknode/contracts';
import { stringify } from 'yaml';
import { KAFKA_BROKERS } from '../stack/services/kafka.ts';

/** OTLP (gRPC 4317, HTTP 4318) in; spans out to the Kafka topic named in contracts, as OTLP JSON. */
export function otelCollectorConfig(): string {
  return stringify({
    receivers: {
      otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 },
      batch: { timeout: '2s', send_batch_size: 512 },
    },
    exporters: {
      kafka: {
        brokers: [KAFKA_BROKERS],
        protocol_version: '3.7.0',
        // Per signal since 0.124 (the top-level `topic` and `encoding` are deprecated, and later removed).
        traces: { topic: Topics.agentTelemetrySpans, encoding: 'otlp_json' },
        producer: { compression: 'lz4', required_acks: -1 },
      },
    },
    extensions: { health_check: { endpoint: '0.0.0.0:13133' } },
    service: {
      extensions: ['health_check'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['kafka'] } },
    },
  });
}
