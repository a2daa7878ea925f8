import { SERVICE_CLIENTS, SERVICE_PORTS } from '../stack/services/speaknode.ts';
import type { ResolvedService, ResolvedStack } from '../supervisor/resolve.ts';
import { TEST_IMAGES } from './local-images.ts';

/** What the real-stack test runs: our four services on PostgreSQL and Redis, plus the LLM stand-in. */
export const CORE_SERVICES = ['postgres', 'redis', 'control', 'webhooks', 'agent', 'bridge'] as const;

const CONTROL_INTERNAL = `http://control:${SERVICE_PORTS.control}`;
const EMBEDDED_ISSUER = `${CONTROL_INTERNAL}/oidc`;

/** Variables naming parts this machine cannot run (no image): without them each service uses its embedded default. */
const ABSENT_PARTS = [
  'KAFKA_BROKERS',
  'LIVEKIT_URL',
  'LIVEKIT_API_KEY',
  'LIVEKIT_API_SECRET',
  'S3_ENDPOINT',
  'S3_ACCESS_KEY',
  'S3_SECRET_KEY',
  'S3_BUCKET',
  'LAGO_API_URL',
  'LAGO_API_KEY',
  'LANGFUSE_BASE_URL',
  'LANGFUSE_PUBLIC_KEY',
  'LANGFUSE_SECRET_KEY',
  // No ClickHouse image here either: control keeps its analytics in PostgreSQL.
  'CLICKHOUSE_URL',
  'CLICKHOUSE_USER',
  'CLICKHOUSE_PASSWORD',
  'CLICKHOUSE_DATABASE',
];

/**
 * The resolved stack cut to the parts whose images this machine can make: PostgreSQL and Redis
 * (test images from Debian's packages), control, webhooks, agent and bridge (our images, unchanged
 * but for these variables), and an OpenAI-compatible LLM stand-in. Kafka, Keycloak, LiveKit and MinIO
 * have no image here, so: the bus is the PostgreSQL-backed one, control's embedded OIDC issuer stands
 * in for Keycloak (the other services get client-credentials clients from it, as in `npm start`),
 * recordings and voice are off, analytics stay in PostgreSQL, and the agent's spans go to control's
 * OTLP endpoint.
 */
export function coreStack(full: ResolvedStack, llmPort = 8000): ResolvedStack {
  const kept = new Set<string>(CORE_SERVICES);
  const byName = new Map(full.services.map((s) => [s.name, s]));
  const clients = Object.entries(SERVICE_CLIENTS).map(([service, client]) => ({
    clientId: client.clientId,
    clientSecret: byName.get(service)!.environment.SPEAKNODE_SERVICE_CLIENT_SECRET!,
    role: client.role,
  }));
  const services = full.services
    .filter((s) => kept.has(s.name))
    .map((service): ResolvedService => {
      const environment = { ...service.environment };
      for (const name of ABSENT_PARTS) delete environment[name];
      const dependsOn = Object.fromEntries(Object.entries(service.dependsOn).filter(([name]) => kept.has(name)));
      switch (service.name) {
        case 'postgres':
          return { ...service, image: image(TEST_IMAGES.postgres) };
        case 'redis':
          return { ...service, image: image(TEST_IMAGES.redis) };
        case 'control':
          delete environment.SPEAKNODE_OIDC_ISSUER;
          return {
            ...service,
            dependsOn,
            environment: {
              ...environment,
              // The embedded issuer is `<PUBLIC_BASE_URL>/oidc`: its tokens must name what the others reach.
              PUBLIC_BASE_URL: CONTROL_INTERNAL,
              SPEAKNODE_EMBEDDED_CLIENTS: JSON.stringify(clients),
            },
          };
        default:
          return {
            ...service,
            // Their issuer is control now: they start once it answers.
            dependsOn: { ...dependsOn, control: 'service_healthy' },
            environment: {
              ...environment,
              SPEAKNODE_OIDC_ISSUER: EMBEDDED_ISSUER,
              ...(service.name === 'agent' ? { OTEL_EXPORTER_OTLP_ENDPOINT: CONTROL_INTERNAL } : {}),
            },
          };
      }
    });
  const llm: ResolvedService = {
    name: 'llm',
    description: 'OpenAI-compatible LLM stand-in (test only)',
    image: image(TEST_IMAGES.llm),
    kind: 'daemon',
    environment: { PORT: String(llmPort) },
    healthcheck: {
      test: [
        'CMD',
        'node',
        '-e',
        `require('net').connect(${llmPort}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`,
      ],
      intervalS: 1,
      timeoutS: 5,
      retries: 30,
      startPeriodS: 0,
    },
    dependsOn: {},
    volumes: [],
    configFiles: [],
    ports: [],
    networks: full.networks,
    resources: { cpus: 0.5, memoryMb: 256 },
    restart: 'unless-stopped',
    init: true,
  };
  const all = [...services, llm];
  return { ...full, services: all, volumes: [...new Set(all.flatMap((s) => s.volumes.map((v) => v.volume)))] };
}

function image(reference: string) {
  const index = reference.lastIndexOf(':');
  return { repository: reference.slice(0, index), tag: reference.slice(index + 1) };
}
