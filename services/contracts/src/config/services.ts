import { z } from 'zod';
import { ServiceRole } from '../internal-api.ts';
import {
  envBool,
  envEnum,
  envInt,
  envList,
  envSecret,
  envString,
  envUrl,
  httpServiceEnv,
  livekitEnv,
  requireLivekitKeys,
  serviceCredentialsEnv,
  streamSecretEnv,
} from './env.ts';
import { outboundCallEnv } from './outbound-env.ts';

/** A client the embedded OIDC issuer (trials only) grants client-credentials tokens to. */
export const EmbeddedClient = z.object({
  clientId: z.string().min(1).max(200),
  clientSecret: z.string().min(8, 'must be at least 8 characters').max(500),
  role: ServiceRole,
});
export type EmbeddedClient = z.infer<typeof EmbeddedClient>;

const embeddedClients = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.array(EmbeddedClient).max(50))
  .describe(
    'secret: a JSON array of {clientId, clientSecret, role} the embedded OIDC issuer accepts for client-credentials (role: service:webhooks, service:bridge or service:agent)',
  );

/** Unset means the embedded default (PGlite, in-process store, embedded bus): see architecture.md. */
const databaseUrl = envUrl('a PostgreSQL URL, e.g. postgres://speaknode:…@postgres:5432/speaknode', [
  'postgres',
  'postgresql',
]).optional();
const redisUrl = envUrl('a Redis URL, e.g. redis://redis:6379', ['redis', 'rediss']).optional();
const kafkaBrokers = envList('comma-separated Kafka brokers, e.g. kafka:9092').optional();
const controlUrl = envUrl('the control API base URL, e.g. http://control:8080').default('http://127.0.0.1:8080');
const dataDir = (service: string) =>
  z.string().default(`.speaknode/${service}`).describe("a directory for this service's local state");

export const ControlConfig = z
  .object({
    ...httpServiceEnv(8080),
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: kafkaBrokers,
    SPEAKNODE_DATA_DIR: dataDir('control'),
    SPEAKNODE_OIDC_ISSUER: envUrl(
      'the OIDC issuer URL (Keycloak realm URL in the stack); unset starts an embedded issuer for trials',
    ).optional(),
    SPEAKNODE_OIDC_AUDIENCE: envString('the audience control accepts in access tokens').default('speaknode-control'),
    /** Only read when SPEAKNODE_OIDC_ISSUER is unset: the services that may get tokens from the embedded issuer. */
    SPEAKNODE_EMBEDDED_CLIENTS: embeddedClients.optional(),
    /** 32 bytes, base64: encrypts provider credentials at rest. */
    SPEAKNODE_CREDENTIALS_KEY: envSecret('32 random bytes, base64-encoded (openssl rand -base64 32)', 44).optional(),
    PUBLIC_BASE_URL: envUrl('the URL browsers and providers reach control at').optional(),
    /**
     * The reverse proxies whose `X-Forwarded-For` control believes (the client address of the
     * widget's per-IP limit); unset: none, the connection's own address counts.
     */
    TRUSTED_PROXIES: envString(
      'comma-separated IP addresses or CIDR blocks of reverse proxies in front of control (or loopback, linklocal, uniquelocal)',
    )
      .transform((value) =>
        value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .refine(
        (entries) =>
          entries.every((entry) => /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(entry)),
        {
          message: 'must list IP addresses or CIDR blocks, e.g. 10.0.0.2,172.18.0.0/16',
        },
      )
      .optional(),
    SPEAKNODE_CONSOLE_DIR: envString(
      "the console's web build, served at /console/ (default: desktop/out/web)",
    ).optional(),
    SPEAKNODE_CONSOLE_CLIENT_ID: envString(
      "the console's public OIDC client at the issuer (the embedded issuer's is speaknode-console)",
    ).optional(),
    /** The built widget (web-widget/dist) served at /widget/v1/; unset: the installed @speaknode/web-widget package's. */
    SPEAKNODE_WIDGET_DIR: envString('the directory of the built widget (web-widget/dist)').optional(),
    ...livekitEnv,
    LAGO_API_URL: envUrl('the Lago API URL, e.g. http://lago-api:3000').optional(),
    LAGO_API_KEY: envSecret('the Lago API key', 8).optional(),
    S3_ENDPOINT: envUrl('the S3 endpoint for recordings (MinIO in the stack)').optional(),
    S3_ACCESS_KEY: envString('the S3 access key').optional(),
    S3_SECRET_KEY: envSecret('the S3 secret key', 8).optional(),
    S3_BUCKET: envString('the bucket for recordings').default('recordings'),
    /** Analytics: ClickHouse when set (the stack), PostgreSQL otherwise. */
    CLICKHOUSE_URL: envUrl('the ClickHouse HTTP URL for analytics, e.g. http://clickhouse:8123').optional(),
    CLICKHOUSE_USER: envString('the ClickHouse user').default('default'),
    CLICKHOUSE_PASSWORD: envSecret('the ClickHouse password', 1).optional(),
    CLICKHOUSE_DATABASE: envString('the ClickHouse database for analytics').default('speaknode'),
    WEBHOOKS_URL: envUrl(
      "the webhook receiver, whose admin API control forwards the console's /webhooks/admin/v1/… requests to, e.g. http://webhooks:8081",
    ).default('http://127.0.0.1:8081'),
    AGENT_URL: envUrl("the agent worker's text-session API, e.g. http://agent:8083").default('http://127.0.0.1:8083'),
    /** The agent worker accepts text-session calls with this token only; unset: text sessions answer 503. */
    AGENT_API_TOKEN: envSecret(
      "the agent worker's API token, the same as the worker's AGENT_API_TOKEN (openssl rand -hex 32)",
      16,
    ).optional(),
    ...outboundCallEnv,
    ...streamSecretEnv,
  })
  .superRefine(requireLivekitKeys);
export type ControlConfig = z.infer<typeof ControlConfig>;

export const WebhooksConfig = z
  .object({
    ...httpServiceEnv(8081),
    PUBLIC_BASE_URL: envUrl(
      'the public URL providers call, e.g. https://hooks.example.com (signatures are checked against it)',
    ).default('http://127.0.0.1:8081'),
    BRIDGE_PUBLIC_URL: envUrl('the public WebSocket URL of the media bridge, e.g. wss://media.example.com', [
      'ws',
      'wss',
    ]).default('ws://127.0.0.1:8082'),
    LIVEKIT_SIP_URI: envString(
      'the LiveKit SIP address Twilio dials for sip-mode numbers, e.g. sip.example.com',
    ).optional(),
    CONTROL_URL: controlUrl,
    ...serviceCredentialsEnv,
    SPEAKNODE_OIDC_AUDIENCE: envString('the audience the admin API accepts in access tokens').default(
      'speaknode-control',
    ),
    TWILIO_AUTH_TOKEN: envSecret('the Twilio auth token for single-account installs', 8).optional(),
    ...streamSecretEnv,
    ...livekitEnv,
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: kafkaBrokers,
    SPEAKNODE_DATA_DIR: dataDir('webhooks'),
    SPOOL_MAX_BYTES: envInt('the spool size limit in bytes', { min: 1_048_576, default: 256 * 1_048_576 }),
    VOXIMPLANT_ACCOUNTS: envString(
      'secret: a JSON array of {accountId, apiKey, callbackSalt, scenarioSecret}: the callback secrets of each VoxImplant account',
    ).optional(),
    WEBHOOKS_ADMIN_ROLE: envString('the token role that may manage inbound routes (/admin/v1/routes)').default(
      'speaknode:admin',
    ),
  })
  .superRefine(requireLivekitKeys);
export type WebhooksConfig = z.infer<typeof WebhooksConfig>;

export const BridgeConfig = z
  .object({
    ...httpServiceEnv(8082),
    CONTROL_URL: controlUrl,
    ...serviceCredentialsEnv,
    ...streamSecretEnv,
    ...livekitEnv,
    /** Audio queued at the provider ahead of playback; barge-in stops within about this long. */
    BRIDGE_MAX_QUEUED_MS: envInt('milliseconds of agent audio queued at the provider', {
      min: 20,
      max: 1000,
      default: 100,
    }),
    BRIDGE_MAX_LEGS: envInt('the most concurrent phone legs', { min: 1, default: 500 }),
    BRIDGE_AGENT_JOIN_TIMEOUT_MS: envInt('milliseconds a phone leg waits for an agent in its room before hanging up', {
      min: 1000,
      max: 300_000,
      default: 20_000,
    }),
  })
  .superRefine(requireLivekitKeys);
export type BridgeConfig = z.infer<typeof BridgeConfig>;

export const AgentWorkerConfig = z
  .object({
    ...httpServiceEnv(8083),
    CONTROL_URL: controlUrl,
    ...serviceCredentialsEnv,
    ...livekitEnv,
    MODELS_URL: envUrl('the models host URL, e.g. http://models:8084').default('http://127.0.0.1:8084'),
    MODELS_API_TOKEN: envSecret("the models host's bearer token (its MODELS_API_TOKEN)", 16).optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: envUrl('the OTLP/HTTP collector endpoint, e.g. http://otel-collector:4318').optional(),
    LANGFUSE_BASE_URL: envUrl('the Langfuse URL').optional(),
    LANGFUSE_PUBLIC_KEY: envString('the Langfuse public key').optional(),
    LANGFUSE_SECRET_KEY: envSecret('the Langfuse secret key', 8).optional(),
    AGENT_CONFIG_CACHE_MS: envInt("how long an agent's runtime configuration is cached", { min: 0, default: 10_000 }),
    /** Control's token for the text-session API (`Authorization: Bearer …`); unset closes the API to everyone. */
    AGENT_API_TOKEN: envSecret(
      "control's bearer token for the text-session API, the same as control's AGENT_API_TOKEN (openssl rand -hex 32)",
      16,
    ).optional(),
    AGENT_TEXT_SESSION_IDLE_SECONDS: envInt('seconds after which an idle text session is ended', {
      min: 10,
      max: 86_400,
      default: 900,
    }),
    AGENT_MAX_TEXT_SESSIONS: envInt('the most concurrent text sessions this worker runs', { min: 1, default: 200 }),
    /** Above this machine CPU load the worker tells LiveKit it is full; on a single box other services share the CPU. */
    AGENT_MAX_CPU_LOAD_PERCENT: envInt('the CPU load (percent) above which the worker takes no new calls', {
      min: 1,
      max: 100,
      default: 90,
    }),
    AGENT_DRAIN_TIMEOUT_SECONDS: envInt('how long SIGTERM waits for running calls to finish', {
      min: 0,
      max: 4 * 3600,
      default: 600,
    }),
  })
  .superRefine(requireLivekitKeys);
export type AgentWorkerConfig = z.infer<typeof AgentWorkerConfig>;

export const ModelsConfig = z.object({
  ...httpServiceEnv(8084),
  MODELS_DIR: z
    .string()
    .default('.speaknode/models')
    .describe('the models folder: manifest.json with SHA-256 checksums, Parakeet folders, Piper voices'),
  MODELS_DEVICE: envEnum(
    ['cpu', 'cuda'],
    'cpu',
    "where inference runs: cpu or cuda (needs onnxruntime's CUDA provider)",
  ),
  MODELS_PRELOAD: envBool(true, 'true to load the models at start instead of on first use'),
  MODELS_THREADS: envInt('onnxruntime intra-op threads per inference worker; 0 lets onnxruntime choose', {
    min: 0,
    max: 256,
    default: 0,
  }),
  MODELS_STT_WORKERS: envInt('speech recognition worker threads, each with every speech model loaded', {
    min: 1,
    max: 16,
    default: 1,
  }),
  MODELS_STT_MAX_BATCH: envInt('the most utterances recognised in one batch', { min: 1, max: 256, default: 16 }),
  MODELS_STT_BATCH_WAIT_MS: envInt('how long an utterance may wait for others to share its batch', {
    min: 0,
    max: 1000,
    default: 10,
  }),
  MODELS_STT_MAX_QUEUE: envInt('utterances that may wait for a batch before new ones get 503', {
    min: 1,
    default: 256,
  }),
  MODELS_STT_MAX_SECONDS: envInt('the longest utterance accepted, in seconds', { min: 1, max: 1200, default: 120 }),
  MODELS_STT_QUANTIZATION: envEnum(
    ['auto', 'fp32', 'int8'],
    'auto',
    'which Parakeet export to load: auto (int8 on CPU when present, fp32 on CUDA), fp32 or int8',
  ),
  MODELS_STT_MAX_SYMBOLS_PER_FRAME: envInt('TDT decoding: the most tokens emitted on one encoder frame', {
    min: 1,
    max: 100,
    default: 10,
  }),
  MODELS_MAX_STREAMS: envInt('concurrent WebSocket recognition streams', { min: 1, default: 100 }),
  MODELS_MAX_TTS_CHARACTERS: envInt('the longest text one synthesis request may carry', {
    min: 1,
    max: 100_000,
    default: 5000,
  }),
  MODELS_VAD_MODEL: envString(
    'a Silero VAD v5 ONNX file; unset uses the one in @livekit/agents-plugin-silero',
  ).optional(),
  /** Callers (the agent worker) send it as `Authorization: Bearer …`; unset leaves /v1 open on HOST. */
  MODELS_API_TOKEN: envSecret('a shared bearer token for the /v1 API (openssl rand -hex 32)', 16).optional(),
});
export type ModelsConfig = z.infer<typeof ModelsConfig>;
