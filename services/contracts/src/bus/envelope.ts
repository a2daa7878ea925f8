import { z } from 'zod';
import { Id, Timestamp } from '../domain/common.ts';
import { summarizeIssues } from '../validation.ts';
import type { Topic } from './topics.ts';

/** One envelope for every event on the bus (CloudEvents-like). */
export const EventEnvelope = z.object({
  /** Stable and unique: consumers drop an id they have seen (at-least-once delivery). */
  id: z.string().min(1).max(200),
  type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'must be a dotted lower-case event type'),
  time: Timestamp,
  /** The service that produced it, e.g. `webhooks`, `control`. */
  source: z.string().min(1).max(100),
  spaceId: Id.optional(),
  /** The entity the event is about (call id, room name); it is the message key, so events of one call stay in order. */
  subject: z.string().min(1).max(200).optional(),
  data: z.unknown(),
  schemaVersion: z.number().int().min(1),
});
export type EventEnvelope<T = unknown> = Omit<z.infer<typeof EventEnvelope>, 'data'> & { data: T };

export interface EventDefinition<Type extends string = string, Data extends z.ZodType = z.ZodType> {
  type: Type;
  topic: Topic;
  schemaVersion: number;
  data: Data;
}

export function defineEvent<Type extends string, Data extends z.ZodType>(
  definition: EventDefinition<Type, Data>,
): EventDefinition<Type, Data> {
  return definition;
}

export class EventValidationError extends Error {
  constructor(
    message: string,
    readonly issues: z.ZodError | undefined,
  ) {
    super(message);
    this.name = 'EventValidationError';
  }
}

export interface NewEvent<T> {
  data: T;
  source: string;
  spaceId?: string;
  subject?: string;
  /** Pass a stable id derived from the provider's own ids so that a retry is recognised as a duplicate. */
  id?: string;
  time?: Date;
}

/** Builds a validated envelope for `definition`; throws EventValidationError on bad data. */
export function createEvent<D extends EventDefinition>(
  definition: D,
  event: NewEvent<z.input<D['data']>>,
): EventEnvelope<z.output<D['data']>> {
  const data = definition.data.safeParse(event.data);
  if (!data.success) {
    throw new EventValidationError(`${definition.type}: bad data: ${summarizeIssues(data.error)}`, data.error);
  }
  return {
    id: event.id ?? crypto.randomUUID(),
    type: definition.type,
    time: (event.time ?? new Date()).toISOString(),
    source: event.source,
    ...(event.spaceId === undefined ? {} : { spaceId: event.spaceId }),
    ...(event.subject === undefined ? {} : { subject: event.subject }),
    data: data.data as z.output<D['data']>,
    schemaVersion: definition.schemaVersion,
  };
}

/** The message key on the bus: the subject when there is one, so per-entity order holds. */
export function messageKeyOf(event: Pick<EventEnvelope, 'id' | 'subject'>): string {
  return event.subject ?? event.id;
}
