import { CLICKHOUSE_DATABASE } from '../../config-files/clickhouse-schema.ts';
import { ref } from '../secrets.ts';
import type { ServiceDefinition } from '../types.ts';
import { daemon, health, type StackContext } from './common.ts';

export const CLICKHOUSE_USER = 'speaknode';
export const CLICKHOUSE_INTERNAL_URL = 'http://clickhouse:8123';

export function clickhouse(_ctx: StackContext): ServiceDefinition {
  return daemon({
    name: 'clickhouse',
    description: 'ClickHouse: agent telemetry analytics (and Langfuse traces)',
    // Langfuse v3 needs ClickHouse 24.3 or newer.
    image: { repository: 'clickhouse/clickhouse-server', tag: '24.8.6.70-alpine' },
    environment: {
      CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: ref('CLICKHOUSE_PASSWORD'),
      CLICKHOUSE_DB: CLICKHOUSE_DATABASE,
      CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1',
    },
    healthcheck: health(['CMD-SHELL', 'wget -q --spider http://127.0.0.1:8123/ping'], { intervalS: 3 }),
    volumes: [{ volume: 'clickhouse-data', target: '/var/lib/clickhouse' }],
    configFiles: [{ file: 'clickhouse-schema.sql', target: '/docker-entrypoint-initdb.d/10-speaknode.sql' }],
    resources: { cpus: 2, memoryMb: 4096 },
  });
}
