import { ref } from '../secrets.ts';
import type { ServiceDefinition } from '../types.ts';
import { daemon, health, type StackContext } from './common.ts';
import { postgresUrl } from './postgres.ts';

export const LAGO_INTERNAL_URL = 'http://lago-api:3000';
const image = { repository: 'getlago/api', tag: 'v1.17.0' };

function lagoEnvironment({ settings, urls }: StackContext): Record<string, string> {
  return {
    RAILS_ENV: 'production',
    RAILS_LOG_TO_STDOUT: 'true',
    DATABASE_URL: postgresUrl('lago').replace(/^postgres:/, 'postgresql:'),
    REDIS_URL: 'redis://redis:6379',
    REDIS_PASSWORD: ref('REDIS_PASSWORD'),
    SECRET_KEY_BASE: ref('LAGO_SECRET_KEY_BASE'),
    LAGO_RSA_PRIVATE_KEY: ref('LAGO_RSA_PRIVATE_KEY'),
    LAGO_ENCRYPTION_PRIMARY_KEY: ref('LAGO_ENCRYPTION_PRIMARY_KEY'),
    LAGO_ENCRYPTION_DETERMINISTIC_KEY: ref('LAGO_ENCRYPTION_DETERMINISTIC_KEY'),
    LAGO_ENCRYPTION_KEY_DERIVATION_SALT: ref('LAGO_ENCRYPTION_KEY_DERIVATION_SALT'),
    LAGO_API_URL: urls.lago,
    LAGO_FRONT_URL: urls.lago,
    LAGO_USE_AWS_S3: 'false',
    LAGO_DISABLE_SIGNUP: 'true',
    // Seeds the organisation with a known API key at first start, so control can bill without a manual step.
    LAGO_CREATE_ORG: 'true',
    LAGO_ORG_NAME: 'Speaknode',
    LAGO_ORG_USER_EMAIL: settings.adminEmail,
    LAGO_ORG_USER_PASSWORD: ref('LAGO_ADMIN_PASSWORD'),
    LAGO_ORG_API_KEY: ref('LAGO_API_KEY'),
  };
}

export function lagoApi(ctx: StackContext): ServiceDefinition {
  return daemon({
    name: 'lago-api',
    description: 'Lago API: usage-based billing',
    profile: 'lago',
    image,
    command: ['./scripts/start.sh'],
    environment: lagoEnvironment(ctx),
    healthcheck: health(['CMD-SHELL', 'curl -fs http://127.0.0.1:3000/health'], { startPeriodS: 60 }),
    dependsOn: { postgres: 'service_healthy', redis: 'service_healthy' },
    volumes: [{ volume: 'lago-storage', target: '/app/storage' }],
    ports: [
      {
        host: ctx.settings.ports.lago,
        container: 3000,
        protocol: 'tcp',
        bind: '127.0.0.1',
        purpose: 'Lago API (loopback only; control calls it inside the network)',
      },
    ],
    resources: { cpus: 1, memoryMb: 1536 },
  });
}

export function lagoWorker(ctx: StackContext): ServiceDefinition {
  return daemon({
    name: 'lago-worker',
    description: 'Lago worker: invoices and usage aggregation',
    profile: 'lago',
    image,
    command: ['./scripts/start.worker.sh'],
    environment: lagoEnvironment(ctx),
    healthcheck: health(['CMD-SHELL', 'pgrep -f sidekiq > /dev/null'], { startPeriodS: 30 }),
    dependsOn: { 'lago-api': 'service_healthy' },
    volumes: [{ volume: 'lago-storage', target: '/app/storage' }],
    resources: { cpus: 1, memoryMb: 1536 },
  });
}
