import { publicUrls, type StackSettings } from '../stack/settings.ts';
import { defineStack } from '../stack/stack.ts';
import { clickhouseSchemaFile } from './clickhouse-schema.ts';
import { kafkaTopicsScript } from './kafka-topics.ts';
import { keycloakRealm } from './keycloak-realm.ts';
import { livekitConfig } from './livekit.ts';
import { minioBucketsScript } from './minio-buckets.ts';
import { otelCollectorConfig } from './otel-collector.ts';
import { postgresInitScript } from './postgres-init.ts';

/**
 * Every file the stack mounts, by name under the state directory's `config/`. None holds a secret:
 * each product reads its secrets from its environment (Keycloak's realm file names them as
 * `${VARIABLE}` placeholders that Keycloak resolves at import), so the files are written 0644 and any
 * container user can read them.
 */
export function configFileTemplates(settings: StackSettings): Record<string, string> {
  const files: Record<string, string> = {
    'livekit.yaml': livekitConfig(settings),
    'keycloak-realm.json': `${JSON.stringify(keycloakRealm(publicUrls(settings), settings.adminEmail), null, 2)}\n`,
    'otel-collector.yaml': otelCollectorConfig(),
    'clickhouse-schema.sql': clickhouseSchemaFile(),
    'kafka-topics.sh': kafkaTopicsScript(),
    'minio-buckets.sh': minioBucketsScript(),
    'postgres-init.sh': postgresInitScript(),
  };
  // Every file a service mounts must be generated here, and nothing beyond them.
  const mounted = new Set(defineStack(settings).services.flatMap((s) => s.configFiles.map((f) => f.file)));
  for (const name of mounted) if (!(name in files)) throw new Error(`no generator for mounted file ${name}`);
  return files;
}
