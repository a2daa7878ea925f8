import { CLICKHOUSE_DATABASE } from '../../config-files/clickhouse-schema.ts';
import { ref } from '../secrets.ts';
import type { ServiceDefinition } from '../types.ts';
import { CLICKHOUSE_INTERNAL_URL, CLICKHOUSE_USER } from './clickhouse.ts';
import { nodeReadyz, ourImage, daemon as plainDaemon, type StackContext } from './common.ts';
import { KAFKA_BROKERS } from './kafka.ts';
import { LAGO_INTERNAL_URL } from './lago.ts';
import { LANGFUSE_INTERNAL_URL } from './langfuse.ts';
import { LIVEKIT_INTERNAL_URL } from './livekit.ts';
import { S3_ENDPOINT } from './minio.ts';
import { OTLP_HTTP_ENDPOINT } from './otel-collector.ts';
import { postgresUrl } from './postgres.ts';
import { REDIS_URL } from './redis.ts';

/** Our services' ports, as in each package's `speaknode.port`. */
export const SERVICE_PORTS = { control: 8080, webhooks: 8081, bridge: 8082, agent: 8083, models: 8084 } as const;
export const CONTROL_INTERNAL_URL = `http://control:${SERVICE_PORTS.control}`;
export const MODELS_INTERNAL_URL = `http://models:${SERVICE_PORTS.models}`;
export const AGENT_INTERNAL_URL = `http://agent:${SERVICE_PORTS.agent}`;
export const RECORDINGS_BUCKET = 'recordings';

/** The Keycloak client each calling service uses for client-credentials tokens. */
export const SERVICE_CLIENTS = {
  webhooks: { clientId: 'speaknode-webhooks', secret: 'KEYCLOAK_WEBHOOKS_CLIENT_SECRET', role: 'service:webhooks' },
  bridge: { clientId: 'speaknode-bridge', secret: 'KEYCLOAK_BRIDGE_CLIENT_SECRET', role: 'service:bridge' },
  agent: { clientId: 'speaknode-agent', secret: 'KEYCLOAK_AGENT_CLIENT_SECRET', role: 'service:agent' },
} as const;
export const CONTROL_AUDIENCE = 'speaknode-control';

/** Our images run Node as PID 1's child under the engine's init (tini): signals reach it, zombies are reaped. */
const daemon: typeof plainDaemon = (definition) => plainDaemon({ init: true, ...definition });

function common(port: number): Record<string, string> {
  return { HOST: '0.0.0.0', PORT: String(port), LOG_LEVEL: 'info' };
}

const livekitKeys = {
  LIVEKIT_URL: LIVEKIT_INTERNAL_URL,
  LIVEKIT_API_KEY: ref('LIVEKIT_API_KEY'),
  LIVEKIT_API_SECRET: ref('LIVEKIT_API_SECRET'),
};

function serviceCredentials(ctx: StackContext, service: keyof typeof SERVICE_CLIENTS): Record<string, string> {
  const client = SERVICE_CLIENTS[service];
  return {
    SPEAKNODE_OIDC_ISSUER: ctx.urls.issuer,
    SPEAKNODE_SERVICE_CLIENT_ID: client.clientId,
    SPEAKNODE_SERVICE_CLIENT_SECRET: ref(client.secret),
  };
}

function publicPort(port: number, hostPort: number, purpose: string) {
  return { host: hostPort, container: port, protocol: 'tcp' as const, bind: '0.0.0.0' as const, purpose };
}

export function control(ctx: StackContext): ServiceDefinition {
  const { settings, urls } = ctx;
  const lago = settings.profiles.includes('lago');
  return daemon({
    name: 'control',
    description: 'Speaknode control API',
    image: ourImage(settings, 'control'),
    environment: {
      ...common(SERVICE_PORTS.control),
      DATABASE_URL: postgresUrl('speaknode'),
      REDIS_URL,
      KAFKA_BROKERS,
      // Analytics in ClickHouse (unset: PostgreSQL); control reads the spans from Kafka and writes them.
      CLICKHOUSE_URL: CLICKHOUSE_INTERNAL_URL,
      CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: ref('CLICKHOUSE_PASSWORD'),
      CLICKHOUSE_DATABASE,
      SPEAKNODE_DATA_DIR: '/var/lib/speaknode/control',
      SPEAKNODE_OIDC_ISSUER: urls.issuer,
      SPEAKNODE_OIDC_AUDIENCE: CONTROL_AUDIENCE,
      SPEAKNODE_CREDENTIALS_KEY: ref('SPEAKNODE_CREDENTIALS_KEY'),
      PUBLIC_BASE_URL: urls.control,
      AGENT_URL: AGENT_INTERNAL_URL,
      AGENT_API_TOKEN: ref('AGENT_API_TOKEN'),
      // Outbound calls: providers send status callbacks to the receiver's public URL, stream-mode
      // legs reach the bridge's, with a stream token signed by the secret the bridge checks.
      WEBHOOKS_PUBLIC_URL: urls.webhooks,
      BRIDGE_PUBLIC_URL: urls.bridgeWs,
      SPEAKNODE_STREAM_SECRET: ref('SPEAKNODE_STREAM_SECRET'),
      ...livekitKeys,
      ...(lago ? { LAGO_API_URL: LAGO_INTERNAL_URL, LAGO_API_KEY: ref('LAGO_API_KEY') } : {}),
      S3_ENDPOINT,
      S3_ACCESS_KEY: ref('S3_ACCESS_KEY'),
      S3_SECRET_KEY: ref('S3_SECRET_KEY'),
      S3_BUCKET: RECORDINGS_BUCKET,
    },
    healthcheck: nodeReadyz(SERVICE_PORTS.control),
    dependsOn: {
      postgres: 'service_healthy',
      redis: 'service_healthy',
      kafka: 'service_healthy',
      'kafka-topics': 'service_completed_successfully',
      clickhouse: 'service_healthy',
      keycloak: 'service_healthy',
      livekit: 'service_healthy',
      'minio-buckets': 'service_completed_successfully',
      ...(lago ? { 'lago-api': 'service_healthy' as const } : {}),
    },
    volumes: [{ volume: 'control-data', target: '/var/lib/speaknode/control' }],
    ports: [publicPort(SERVICE_PORTS.control, settings.ports.control, 'control API and console')],
    resources: { cpus: 2, memoryMb: 1024 },
  });
}

export function webhooks(ctx: StackContext): ServiceDefinition {
  const { settings, urls } = ctx;
  return daemon({
    name: 'webhooks',
    description: 'Speaknode webhook receiver (Twilio, VoxImplant, LiveKit, inbound routes)',
    image: ourImage(settings, 'webhooks'),
    environment: {
      ...common(SERVICE_PORTS.webhooks),
      PUBLIC_BASE_URL: urls.webhooks,
      BRIDGE_PUBLIC_URL: urls.bridgeWs,
      LIVEKIT_SIP_URI: urls.sipHost,
      CONTROL_URL: CONTROL_INTERNAL_URL,
      ...serviceCredentials(ctx, 'webhooks'),
      SPEAKNODE_OIDC_AUDIENCE: CONTROL_AUDIENCE,
      TWILIO_AUTH_TOKEN: ref('TWILIO_AUTH_TOKEN'),
      SPEAKNODE_STREAM_SECRET: ref('SPEAKNODE_STREAM_SECRET'),
      ...livekitKeys,
      DATABASE_URL: postgresUrl('speaknode'),
      KAFKA_BROKERS,
      SPEAKNODE_DATA_DIR: '/var/lib/speaknode/webhooks',
    },
    healthcheck: nodeReadyz(SERVICE_PORTS.webhooks),
    // The receiver keeps accepting while the bus is down (durable spool), so Kafka is only "started".
    dependsOn: { postgres: 'service_healthy', kafka: 'service_started', keycloak: 'service_healthy' },
    volumes: [{ volume: 'webhooks-spool', target: '/var/lib/speaknode/webhooks' }],
    ports: [
      publicPort(SERVICE_PORTS.webhooks, settings.ports.webhooks, 'provider webhooks (Twilio, VoxImplant, LiveKit)'),
    ],
    resources: { cpus: 1, memoryMb: 512 },
  });
}

export function bridge(ctx: StackContext): ServiceDefinition {
  const { settings } = ctx;
  return daemon({
    name: 'bridge',
    description: 'Speaknode media bridge (Twilio Media Streams, VoxImplant WebSocket)',
    image: ourImage(settings, 'bridge'),
    environment: {
      ...common(SERVICE_PORTS.bridge),
      CONTROL_URL: CONTROL_INTERNAL_URL,
      ...serviceCredentials(ctx, 'bridge'),
      SPEAKNODE_STREAM_SECRET: ref('SPEAKNODE_STREAM_SECRET'),
      ...livekitKeys,
    },
    healthcheck: nodeReadyz(SERVICE_PORTS.bridge),
    dependsOn: { control: 'service_healthy', livekit: 'service_healthy' },
    ports: [publicPort(SERVICE_PORTS.bridge, settings.ports.bridge, 'phone media WebSocket')],
    resources: { cpus: 2, memoryMb: 1024 },
  });
}

export function agent(ctx: StackContext): ServiceDefinition {
  const { settings } = ctx;
  const langfuse = settings.profiles.includes('langfuse');
  const models = settings.profiles.includes('models');
  return daemon({
    name: 'agent',
    description: 'Speaknode agent worker (LiveKit agents)',
    image: ourImage(settings, 'agent'),
    environment: {
      ...common(SERVICE_PORTS.agent),
      CONTROL_URL: CONTROL_INTERNAL_URL,
      ...serviceCredentials(ctx, 'agent'),
      ...livekitKeys,
      ...(models ? { MODELS_URL: MODELS_INTERNAL_URL, MODELS_API_TOKEN: ref('MODELS_API_TOKEN') } : {}),
      OTEL_EXPORTER_OTLP_ENDPOINT: OTLP_HTTP_ENDPOINT,
      ...(langfuse
        ? {
            LANGFUSE_BASE_URL: LANGFUSE_INTERNAL_URL,
            LANGFUSE_PUBLIC_KEY: ref('LANGFUSE_PUBLIC_KEY'),
            LANGFUSE_SECRET_KEY: ref('LANGFUSE_SECRET_KEY'),
          }
        : {}),
      // Control's token for the text-session API: the worker refuses every caller without it.
      // No provider keys here: every key comes from the agent's own credentials in control.
      AGENT_API_TOKEN: ref('AGENT_API_TOKEN'),
    },
    healthcheck: nodeReadyz(SERVICE_PORTS.agent),
    dependsOn: {
      control: 'service_healthy',
      livekit: 'service_healthy',
      'otel-collector': 'service_started',
      ...(models ? { models: 'service_healthy' as const } : {}),
      ...(langfuse ? { 'langfuse-web': 'service_healthy' as const } : {}),
    },
    resources: { cpus: 4, memoryMb: 4096 },
  });
}

export function models(ctx: StackContext): ServiceDefinition {
  const { settings } = ctx;
  return daemon({
    name: 'models',
    description: 'Speaknode models host (Parakeet STT, VAD)',
    profile: 'models',
    image: { ...ourImage(settings, settings.gpu ? 'models-cuda' : 'models'), tag: settings.speaknodeVersion },
    environment: {
      ...common(SERVICE_PORTS.models),
      MODELS_DIR: '/var/lib/speaknode/models',
      MODELS_DEVICE: settings.gpu ? 'cuda' : 'cpu',
      MODELS_PRELOAD: 'true',
      // The agent's bearer token: /v1 is never open to whatever else reaches the stack network.
      MODELS_API_TOKEN: ref('MODELS_API_TOKEN'),
    },
    healthcheck: { ...nodeReadyz(SERVICE_PORTS.models), startPeriodS: 120 },
    volumes: [{ volume: 'models-data', target: '/var/lib/speaknode/models' }],
    gpu: settings.gpu,
    resources: { cpus: 4, memoryMb: settings.gpu ? 8192 : 6144 },
  });
}
