/** Wiring shared by the main process and the job processes: control client and telemetry from config. */
import type { AgentWorkerConfig } from '@speaknode/contracts/node';
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { ControlClient } from './control/control-client.ts';
import type { TelemetryOptions } from './telemetry/telemetry.ts';

export function createControlClient(config: AgentWorkerConfig): ControlClient {
  const tokens = ServiceTokenSource.fromConfig(config);
  return new ControlClient({ baseUrl: config.CONTROL_URL, tokens, configCacheMs: config.AGENT_CONFIG_CACHE_MS });
}

/**
 * Telemetry from config. When the OTLP endpoint is control itself (the embedded default: control
 * stores the analytics spans), each export carries the worker's service token; no other endpoint
 * ever sees it.
 */
export function telemetryOptionsOf(config: AgentWorkerConfig): TelemetryOptions {
  const { LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY, OTEL_EXPORTER_OTLP_ENDPOINT } = config;
  const tokens = ServiceTokenSource.fromConfig(config);
  const toControl =
    OTEL_EXPORTER_OTLP_ENDPOINT !== undefined &&
    new URL(OTEL_EXPORTER_OTLP_ENDPOINT).origin === new URL(config.CONTROL_URL).origin;
  return {
    otlpEndpoint: OTEL_EXPORTER_OTLP_ENDPOINT,
    ...(toControl && tokens ? { otlpHeaders: async () => ({ authorization: `Bearer ${await tokens.token()}` }) } : {}),
    langfuse:
      LANGFUSE_BASE_URL && LANGFUSE_PUBLIC_KEY && LANGFUSE_SECRET_KEY
        ? { baseUrl: LANGFUSE_BASE_URL, publicKey: LANGFUSE_PUBLIC_KEY, secretKey: LANGFUSE_SECRET_KEY }
        : undefined,
  };
}
