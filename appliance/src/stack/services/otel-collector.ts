import type { ServiceDefinition } from '../types.ts';
import { daemon, health, type StackContext } from './common.ts';

export const OTLP_HTTP_ENDPOINT = 'http://otel-collector:4318';

export function otelCollector(_ctx: StackContext): ServiceDefinition {
  return daemon({
    name: 'otel-collector',
    description: 'OpenTelemetry Collector: OTLP in, Kafka topic agent.telemetry.spans out',
    image: { repository: 'otel/opentelemetry-collector-contrib', tag: '0.129.1' },
    command: ['--config=/etc/otelcol/speaknode.yaml'],
    // The image is distroless (no shell, no HTTP client): the check validates the configuration with the
    // collector binary itself; liveness is left to the restart policy.
    healthcheck: health(['CMD', '/otelcol-contrib', 'validate', '--config=/etc/otelcol/speaknode.yaml'], {
      intervalS: 10,
    }),
    dependsOn: { kafka: 'service_healthy', 'kafka-topics': 'service_completed_successfully' },
    configFiles: [{ file: 'otel-collector.yaml', target: '/etc/otelcol/speaknode.yaml' }],
    resources: { cpus: 1, memoryMb: 512 },
  });
}
