import { EventEnvelope, summarizeIssues, type Topic } from '@speaknode/contracts';

export interface DeliveredEvent {
  topic: Topic;
  /** The message key (the envelope's subject, or its id). */
  key: string;
  event: EventEnvelope;
}

export interface SubscribeOptions {
  /** Consumers in one group share the work and one committed position per topic (partition). */
  group: string;
  topics: Topic[];
  /**
   * Called in order per key. The group's position advances only after it resolves; a throw means
   * the event is delivered again (at least once), so handlers are idempotent by `event.id`.
   */
  handler: (delivered: DeliveredEvent) => Promise<void>;
  /** A new group starts at the beginning of each topic (default) or only sees new events. */
  fromBeginning?: boolean;
}

export interface BusSubscription {
  stop(): Promise<void>;
}

/**
 * The platform bus. Kafka (kafkajs, idempotent producer, acks=all) when `KAFKA_BROKERS` is set; a
 * PostgreSQL-backed transport otherwise. Both pass one shared contract suite.
 */
export interface Bus {
  /** Resolves once every event is durably accepted (Kafka acks=all, or committed rows), in order. */
  publish(topic: Topic, events: EventEnvelope[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<BusSubscription>;
  /** True when the transport can accept events now. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The bus refused an event as malformed: publishing it again can never succeed (a relay sets it aside). */
export class BadEventEnvelopeError extends Error {
  override readonly name = 'BadEventEnvelopeError';
}

/** Every transport checks envelopes before publishing, so a bad one is refused the same way on each. */
export function refuseBadEnvelopes(events: readonly unknown[]): void {
  for (const event of events) {
    const parsed = EventEnvelope.safeParse(event);
    if (!parsed.success)
      throw new BadEventEnvelopeError(`refusing to publish a bad event envelope: ${summarizeIssues(parsed.error)}`);
  }
}
