import type pg from 'pg';
import type { Bus } from './bus.ts';
import { KafkaBus } from './kafka-bus.ts';
import { PostgresBus, type PostgresBusOptions } from './postgres-bus.ts';

/**
 * Kafka when brokers are configured (`KAFKA_BROKERS`), otherwise the PostgreSQL-backed bus on
 * `pool` (the service's own database, embedded or real).
 */
export async function openBus(options: {
  kafkaBrokers?: string[] | undefined;
  pool: pg.Pool;
  clientId?: string;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  postgres?: PostgresBusOptions;
}): Promise<Bus> {
  if (options.kafkaBrokers && options.kafkaBrokers.length > 0) {
    return KafkaBus.connect({
      brokers: options.kafkaBrokers,
      ...(options.clientId ? { clientId: options.clientId } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  }
  return PostgresBus.open(options.pool, { ...(options.log ? { log: options.log } : {}), ...options.postgres });
}
