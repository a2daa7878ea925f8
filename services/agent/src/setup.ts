/** Wiring shared by the main process and the job processes: control client and telemetry from config. */
import type { AgentWorkerConfig } from '@speaknode/contracts/node';
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { ControlClient } from './control/control-client.ts';
import type { TelemetryOptions } from './telemetry/telemetry.ts';

export function createControlClient(config: AgentWorkerConfig): ControlClient {
  const tokens = ServiceTokenSource.fromConfig(config);
  return new ControlClient({ baseUrl: config.CONTROL_URL, tokens, configCacheMs: config.AGENT_CONFIG_CACHE_MS });
}

export function telemetryOptionsOf(config: AgentWorkerConfig): TelemetryOptions {
  const { LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY } = config;
  return {
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    langfuse:
      LANGFUSE_BASE_URL && LANGFUSE_PUBLIC_KEY && LANGFUSE_SECRET_KEY
        ? { baseUrl: LANGFUSE_BASE_URL, publicKey: LANGFUSE_PUBLIC_KEY, secretKey: LANGFUSE_SECRET_KEY }
        : undefined,
  };
}
