import type { EventEnvelope, Topic } from '@speaknode/contracts';
import type { Bus, BusSubscription, SubscribeOptions } from '@speaknode/runtime/bus';

/**
 * A bus for unit tests of the relay: records what was published, in order, and can be switched
 * down (publish rejects, like an unreachable broker) and up again.
 */
export class RecordingBus implements Bus {
  readonly published: Array<{ topic: Topic; event: EventEnvelope }> = [];
  down = false;
  publishCalls = 0;

  async publish(topic: Topic, events: EventEnvelope[]): Promise<void> {
    this.publishCalls++;
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:9092 (test bus is down)');
    for (const event of events) this.published.push({ topic, event });
  }

  async subscribe(_options: SubscribeOptions): Promise<BusSubscription> {
    throw new Error('RecordingBus does not deliver; use the runtime bus for consumers');
  }

  async ping(): Promise<boolean> {
    return !this.down;
  }

  async close(): Promise<void> {}

  ids(): string[] {
    return this.published.map((p) => p.event.id);
  }
}
