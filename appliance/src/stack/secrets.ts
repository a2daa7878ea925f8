import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { PROVIDER_KEYS, type ProviderKey } from './settings.ts';

/** URL-safe random text: secrets end up inside URLs (DATABASE_URL) and YAML, so no `@ : / # $`. */
function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url').replace(/[-_]/g, '') + randomBytes(2).toString('hex');
}

const hex = (bytes: number) => () => randomBytes(bytes).toString('hex');
const text = (bytes: number) => () => token(bytes);

/** Every secret the stack needs, with how it is generated. Names are also the Compose `.env` keys. */
export const GENERATED_SECRETS = {
  POSTGRES_PASSWORD: text(24),
  SPEAKNODE_DB_PASSWORD: text(24),
  KEYCLOAK_DB_PASSWORD: text(24),
  LAGO_DB_PASSWORD: text(24),
  LANGFUSE_DB_PASSWORD: text(24),
  REDIS_PASSWORD: text(24),
  CLICKHOUSE_PASSWORD: text(24),
  MINIO_ROOT_USER: () => `speaknode-${hex(4)()}`,
  MINIO_ROOT_PASSWORD: text(24),
  S3_ACCESS_KEY: () => `svc${hex(8)()}`,
  S3_SECRET_KEY: text(30),
  /** Kafka's KRaft cluster id: a base64url UUID of 22 characters. */
  KAFKA_CLUSTER_ID: () => Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url'),
  KEYCLOAK_ADMIN_PASSWORD: text(18),
  /** The first admin's temporary password in the realm (shown once by init; changed at first sign-in). */
  KEYCLOAK_FIRST_ADMIN_PASSWORD: text(12),
  KEYCLOAK_WEBHOOKS_CLIENT_SECRET: text(30),
  KEYCLOAK_BRIDGE_CLIENT_SECRET: text(30),
  KEYCLOAK_AGENT_CLIENT_SECRET: text(30),
  LIVEKIT_API_KEY: () => `API${hex(6)()}`,
  LIVEKIT_API_SECRET: text(36),
  /** Shared by webhooks (signs) and bridge (checks): the tokens phone media streams show the bridge. */
  SPEAKNODE_STREAM_SECRET: text(36),
  /** Control's bearer token for the agent worker's text-session API (both services get it). */
  AGENT_API_TOKEN: hex(32),
  /** The agent worker's bearer token for the models host's /v1 API (both get it). */
  MODELS_API_TOKEN: hex(32),
  /** 32 bytes, base64: control's provider-credential encryption key (44 characters). */
  SPEAKNODE_CREDENTIALS_KEY: () => randomBytes(32).toString('base64'),
  LAGO_SECRET_KEY_BASE: hex(64),
  LAGO_RSA_PRIVATE_KEY: () =>
    Buffer.from(
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }),
    ).toString('base64'),
  LAGO_ENCRYPTION_PRIMARY_KEY: hex(16),
  LAGO_ENCRYPTION_DETERMINISTIC_KEY: hex(16),
  LAGO_ENCRYPTION_KEY_DERIVATION_SALT: hex(16),
  LAGO_API_KEY: hex(24),
  LAGO_ADMIN_PASSWORD: text(18),
  LANGFUSE_NEXTAUTH_SECRET: text(32),
  LANGFUSE_SALT: text(24),
  /** 256 bits as 64 hex characters, as Langfuse requires. */
  LANGFUSE_ENCRYPTION_KEY: hex(32),
  LANGFUSE_PUBLIC_KEY: () => `pk-lf-${randomUUID()}`,
  LANGFUSE_SECRET_KEY: () => `sk-lf-${randomUUID()}`,
  LANGFUSE_ADMIN_PASSWORD: text(18),
} as const satisfies Record<string, () => string>;

export type GeneratedSecretName = keyof typeof GENERATED_SECRETS;
export type SecretName = GeneratedSecretName | ProviderKey;

export const GENERATED_SECRET_NAMES = Object.keys(GENERATED_SECRETS) as GeneratedSecretName[];
export const SECRET_NAMES: readonly SecretName[] = [...GENERATED_SECRET_NAMES, ...PROVIDER_KEYS];

export function isSecretName(name: string): name is SecretName {
  return (SECRET_NAMES as readonly string[]).includes(name);
}

/** A placeholder for a secret inside a definition's environment, command or generated file. */
export function ref(name: SecretName): string {
  return `{{${name}}}`;
}

const PLACEHOLDER = /\{\{([A-Z0-9_]+)\}\}/g;

/** The secret names a string refers to. */
export function referencedSecrets(value: string): string[] {
  return [...value.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

export class MissingSecretError extends Error {
  constructor(readonly names: string[]) {
    super(
      `secrets missing from the secret store: ${names.join(', ')}. Run \`speaknode init\` to generate them ` +
        '(provider keys are set with `speaknode init --set NAME=value`).',
    );
    this.name = 'MissingSecretError';
  }
}

/**
 * Replaces placeholders with values. `optional` names (provider keys) resolve to an empty string when
 * absent; any other missing name is an error.
 */
export function resolveSecrets(value: string, secrets: Readonly<Record<string, string>>): string {
  const missing: string[] = [];
  const out = value.replace(PLACEHOLDER, (_, name: string) => {
    const found = secrets[name];
    if (found !== undefined) return found;
    if ((PROVIDER_KEYS as readonly string[]).includes(name)) return '';
    missing.push(name);
    return '';
  });
  if (missing.length > 0) throw new MissingSecretError(missing);
  return out;
}

/** Generates every missing secret; existing values are kept so `init` can run again safely. */
export function generateMissingSecrets(existing: Readonly<Record<string, string>>): {
  secrets: Record<string, string>;
  generated: GeneratedSecretName[];
} {
  const secrets: Record<string, string> = { ...existing };
  const generated: GeneratedSecretName[] = [];
  for (const name of GENERATED_SECRET_NAMES) {
    if (secrets[name]) continue;
    secrets[name] = GENERATED_SECRETS[name]();
    generated.push(name);
  }
  return { secrets, generated };
}
