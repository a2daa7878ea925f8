import { publicUrls, type StackSettings } from '../stack/settings.ts';
import { defineStack } from '../stack/stack.ts';
import { clickhouseSchemaFile } from './clickhouse-schema.ts';
import { kafkaTopicsScript } from './kafka-topics.ts';
import { keycloakRealm } from './keycloak-realm.ts';
import { livekitConfig, livekitSipConfig } from './livekit.ts';
import { minioBucketsScript } from './minio-buckets.ts';
import { otelCollectorConfig } from './otel-collector.ts';
import { postgresInitSql } from './postgres-init.ts';

/**
 * Every file the stack mounts, by name under the state directory's `config/`, with `{{SECRET}}`
 * placeholders still in place (init resolves them when it writes the files).
 */
export function configFileTemplates(settings: StackSettings): Record<string, string> {
  const files: Record<string, string> = {
    'livekit.yaml': livekitConfig(settings),
    'livekit-sip.yaml': livekitSipConfig(settings),
    'keycloak-realm.json': `${JSON.stringify(keycloakRealm(publicUrls(settings)), null, 2)}\n`,
    'otel-collector.yaml': otelCollectorConfig(),
    'clickhouse-schema.sql': clickhouseSchemaFile(),
    'kafka-topics.sh': kafkaTopicsScript(),
    'minio-buckets.sh': minioBucketsScript(),
    'postgres-init.sql': postgresInitSql(),
  };
  // Every file a service mounts must be generated here, and nothing beyond them.
  const mounted = new Set(defineStack(settings).services.flatMap((s) => s.configFiles.map((f) => f.file)));
  for (const name of mounted) if (!(name in files)) throw new Error(`no generator for mounted file ${name}`);
  return files;
}
