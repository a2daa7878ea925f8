import type { EventEnvelope, Topic } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { type Spool, SpoolFullError } from './spool/spool.ts';
import type { RelayState } from './spool/spool-relay.ts';
import { storableEvent, UnstorableEventError } from './storable-event.ts';

/** Seconds a sender is told to wait when the spool is full and the relay's state is unknown. */
export const SPOOL_FULL_RETRY_AFTER_SECONDS = 30;

/**
 * The one way a handler hands an accepted request over: the event goes into the durable spool,
 * and the promise resolves once it is on disk, so the handler may answer 2xx. A provider retry of
 * an event this process accepted recently (same id) waits for the first copy instead of spooling a
 * second; retries across restarts reach the bus twice with one id, which consumers absorb.
 */
export class EventIntake {
  private readonly recent = new Map<string, Promise<void>>();

  constructor(
    private readonly spool: Spool,
    private readonly options: { recentIds?: number; relayState?: () => RelayState } = {},
  ) {}

  /** Throws UnstorableEventError (→ 400) for an event the bus would refuse: nothing is acknowledged that cannot be delivered. */
  async accept(topic: Topic, submitted: EventEnvelope): Promise<{ duplicate: boolean; id: string }> {
    return this.acceptStorable(topic, storableEvent(submitted));
  }

  /** Several events of one request: all are checked before any is spooled, so a 400 leaves nothing behind. */
  async acceptAll(topic: Topic, submitted: EventEnvelope[]): Promise<{ ids: string[] }> {
    const events = submitted.map(storableEvent);
    await Promise.all(events.map((event) => this.acceptStorable(topic, event)));
    return { ids: events.map((event) => event.id) };
  }

  /**
   * A realistic wait for a full spool: with the bus up the relay is draining it (a second); with the
   * bus down the relay pings it every second and drains as soon as it answers, so a few seconds.
   */
  private retryAfterSeconds(): number {
    const relay = this.options.relayState?.();
    if (!relay) return SPOOL_FULL_RETRY_AFTER_SECONDS;
    return relay.busUp ? 1 : 5;
  }

  private async acceptStorable(topic: Topic, event: EventEnvelope): Promise<{ duplicate: boolean; id: string }> {
    const earlier = this.recent.get(event.id);
    if (earlier) {
      await earlier;
      return { duplicate: true, id: event.id };
    }
    const appended = this.spool.append(topic, event);
    this.recent.set(event.id, appended);
    if (this.recent.size > (this.options.recentIds ?? 10_000)) {
      const oldest = this.recent.keys().next().value as string;
      this.recent.delete(oldest);
    }
    try {
      await appended;
    } catch (error) {
      // Not on disk: a retry must be spooled for real.
      if (this.recent.get(event.id) === appended) this.recent.delete(event.id);
      if (error instanceof SpoolFullError) error.retryAfterSeconds = this.retryAfterSeconds();
      throw error;
    }
    return { duplicate: false, id: event.id };
  }
}

/** An intake failure as the answer a sender understands: 400 for an event the bus would refuse; 503 with Retry-After for a spool failure, so it retries later. */
export function intakeProblem(error: unknown): HttpProblem {
  if (error instanceof UnstorableEventError) return HttpProblem.badRequest(error.message);
  if (error instanceof SpoolFullError) {
    return HttpProblem.unavailable(
      'the receiver is holding as many undelivered events as it may; retry later',
      error.retryAfterSeconds ?? SPOOL_FULL_RETRY_AFTER_SECONDS,
    );
  }
  return HttpProblem.unavailable(`the event could not be stored: ${(error as Error).message}`, 5);
}
