import { createEvent, type EventDefinition, type NewEvent } from '@speaknode/contracts';
import type pg from 'pg';
import type { z } from 'zod';

/**
 * Writes an event into the outbox on `client`, inside the caller's transaction: the event exists
 * if and only if the change it describes was committed. The relay publishes it afterwards.
 */
export async function writeOutboxEvent<D extends EventDefinition>(
  client: pg.PoolClient | pg.Pool,
  definition: D,
  event: Omit<NewEvent<z.input<D['data']>>, 'source'>,
): Promise<string> {
  const envelope = createEvent(definition, { ...event, source: 'control' });
  await client.query('INSERT INTO outbox (topic, event) VALUES ($1, $2)', [definition.topic, JSON.stringify(envelope)]);
  return envelope.id;
}
