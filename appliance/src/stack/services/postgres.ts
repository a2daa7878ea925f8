import { ref } from '../secrets.ts';
import type { ServiceDefinition } from '../types.ts';
import { daemon, health, type StackContext } from './common.ts';

/** Databases created at first start by `postgres-init.sql`, one owner each. */
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
    },
    healthcheck: health(['CMD', 'pg_isready', '-U', 'postgres', '-d', 'postgres'], { intervalS: 3 }),
    volumes: [{ volume: 'postgres-data', target: '/var/lib/postgresql/data' }],
    // uid 70 is `postgres` in the alpine image; it runs the init scripts.
    configFiles: [{ file: 'postgres-init.sql', target: '/docker-entrypoint-initdb.d/10-speaknode.sql', uid: 70 }],
    resources: { cpus: 2, memoryMb: 2048 },
  });
}
