import { ref } from '../secrets.ts';
import type { ServiceDefinition } from '../types.ts';
import { CLICKHOUSE_USER } from './clickhouse.ts';
import { daemon, health, type StackContext } from './common.ts';
import { S3_ENDPOINT } from './minio.ts';
import { postgresUrl } from './postgres.ts';

export const LANGFUSE_INTERNAL_URL = 'http://langfuse-web:3000';
export const LANGFUSE_BUCKET = 'langfuse';

function langfuseEnvironment({ settings, urls }: StackContext): Record<string, string> {
  const s3 = (kind: 'EVENT_UPLOAD' | 'MEDIA_UPLOAD') => ({
    [`LANGFUSE_S3_${kind}_BUCKET`]: LANGFUSE_BUCKET,
    [`LANGFUSE_S3_${kind}_PREFIX`]: kind === 'EVENT_UPLOAD' ? 'events/' : 'media/',
    [`LANGFUSE_S3_${kind}_REGION`]: 'us-east-1',
    [`LANGFUSE_S3_${kind}_ENDPOINT`]: S3_ENDPOINT,
    [`LANGFUSE_S3_${kind}_ACCESS_KEY_ID`]: ref('S3_ACCESS_KEY'),
    [`LANGFUSE_S3_${kind}_SECRET_ACCESS_KEY`]: ref('S3_SECRET_KEY'),
    [`LANGFUSE_S3_${kind}_FORCE_PATH_STYLE`]: 'true',
  });
  return {
    DATABASE_URL: postgresUrl('langfuse'),
    SALT: ref('LANGFUSE_SALT'),
    ENCRYPTION_KEY: ref('LANGFUSE_ENCRYPTION_KEY'),
    NEXTAUTH_SECRET: ref('LANGFUSE_NEXTAUTH_SECRET'),
    NEXTAUTH_URL: urls.langfuse,
    TELEMETRY_ENABLED: 'false',
    CLICKHOUSE_URL: 'http://clickhouse:8123',
    CLICKHOUSE_MIGRATION_URL: 'clickhouse://clickhouse:9000',
    CLICKHOUSE_USER,
    CLICKHOUSE_PASSWORD: ref('CLICKHOUSE_PASSWORD'),
    CLICKHOUSE_CLUSTER_ENABLED: 'false',
    REDIS_HOST: 'redis',
    REDIS_PORT: '6379',
    REDIS_AUTH: ref('REDIS_PASSWORD'),
    ...s3('EVENT_UPLOAD'),
    ...s3('MEDIA_UPLOAD'),
    // Headless first start: an organisation, a project with known keys for the agent, an admin.
    LANGFUSE_INIT_ORG_ID: 'speaknode',
    LANGFUSE_INIT_ORG_NAME: 'Speaknode',
    LANGFUSE_INIT_PROJECT_ID: 'speaknode-agents',
    LANGFUSE_INIT_PROJECT_NAME: 'Speaknode agents',
    LANGFUSE_INIT_PROJECT_PUBLIC_KEY: ref('LANGFUSE_PUBLIC_KEY'),
    LANGFUSE_INIT_PROJECT_SECRET_KEY: ref('LANGFUSE_SECRET_KEY'),
    LANGFUSE_INIT_USER_EMAIL: settings.adminEmail,
    LANGFUSE_INIT_USER_NAME: 'Speaknode admin',
    LANGFUSE_INIT_USER_PASSWORD: ref('LANGFUSE_ADMIN_PASSWORD'),
  };
}

const dependencies = {
  postgres: 'service_healthy',
  redis: 'service_healthy',
  clickhouse: 'service_healthy',
  'minio-buckets': 'service_completed_successfully',
} as const;

export function langfuseWeb(ctx: StackContext): ServiceDefinition {
  return daemon({
    name: 'langfuse-web',
    description: 'Langfuse web: LLM traces of agent turns',
    profile: 'langfuse',
    image: { repository: 'langfuse/langfuse', tag: '3.29.0' },
    environment: langfuseEnvironment(ctx),
    healthcheck: health(['CMD-SHELL', 'wget -q -O /dev/null http://$(hostname -i):3000/api/public/health || exit 1'], {
      startPeriodS: 60,
    }),
    dependsOn: dependencies,
    ports: [
      {
        host: ctx.settings.ports.langfuse,
        container: 3000,
        protocol: 'tcp',
        bind: '127.0.0.1',
        purpose: 'Langfuse UI (loopback only; publish through the reverse proxy if wanted)',
      },
    ],
    resources: { cpus: 1, memoryMb: 1536 },
  });
}

export function langfuseWorker(ctx: StackContext): ServiceDefinition {
  return daemon({
    name: 'langfuse-worker',
    description: 'Langfuse worker: ingestion into ClickHouse',
    profile: 'langfuse',
    image: { repository: 'langfuse/langfuse-worker', tag: '3.29.0' },
    environment: langfuseEnvironment(ctx),
    healthcheck: health(['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:3030/api/health || exit 1'], {
      startPeriodS: 30,
    }),
    dependsOn: dependencies,
    resources: { cpus: 1, memoryMb: 1536 },
  });
}
