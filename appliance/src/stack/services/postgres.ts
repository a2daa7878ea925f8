import { ref } from '../secrets.ts';
import type { ServiceDefinition } from '../types.ts';
import { daemon, health, type StackContext } from './common.ts';

/** Databases created at first start by `postgres-init.sh`, one owner each. */
export const DATABASES = {
  speaknode: { user: 'speaknode', password: 'SPEAKNODE_DB_PASSWORD' },
  keycloak: { user: 'keycloak', password: 'KEYCLOAK_DB_PASSWORD' },
  lago: { user: 'lago', password: 'LAGO_DB_PASSWORD' },
  langfuse: { user: 'langfuse', password: 'LANGFUSE_DB_PASSWORD' },
} as const;

export function postgresUrl(database: keyof typeof DATABASES): string {
  const { user, password } = DATABASES[database];
  return `postgres://${user}:${ref(password)}@postgres:5432/${database}`;
}

export function postgres(_ctx: StackContext): ServiceDefinition {
  return daemon({
    name: 'postgres',
    description: 'PostgreSQL: control, Keycloak, Lago and Langfuse databases',
    image: { repository: 'postgres', tag: '16.4-alpine3.20' },
    environment: {
      POSTGRES_USER: 'postgres',
      POSTGRES_PASSWORD: ref('POSTGRES_PASSWORD'),
      PGDATA: '/var/lib/postgresql/data/pgdata',
      // Read by postgres-init.sh at the first start (psql variables), so the file holds no password.
      ...Object.fromEntries(Object.values(DATABASES).map(({ password }) => [password, ref(password)])),
    },
    healthcheck: health(['CMD', 'pg_isready', '-U', 'postgres', '-d', 'postgres'], { intervalS: 3 }),
    volumes: [{ volume: 'postgres-data', target: '/var/lib/postgresql/data' }],
    configFiles: [{ file: 'postgres-init.sh', target: '/docker-entrypoint-initdb.d/10-speaknode.sh' }],
    resources: { cpus: 2, memoryMb: 2048 },
  });
}
