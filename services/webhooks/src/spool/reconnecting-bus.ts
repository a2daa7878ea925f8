import type { EventEnvelope, Topic } from '@speaknode/contracts';
import type { Bus, BusSubscription, SubscribeOptions } from '@speaknode/runtime/bus';

/**
 * A bus that connects in the background: the receiver must start and accept (into its spool) while
 * Kafka is unreachable, so connecting is retried with backoff instead of failing the start. Until
 * connected, `publish` rejects (the relay backs off and retries) and `ping` answers false.
 */
export class ReconnectingBus implements Bus {
  private bus: Bus | undefined;
  private lastError = 'not connected yet';
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly connecting: Promise<void>;

  constructor(
    private readonly connect: () => Promise<Bus>,
    private readonly options: { minDelayMs?: number; maxDelayMs?: number; log?: (message: string) => void } = {},
  ) {
    this.connecting = this.loop();
  }

  private async loop(): Promise<void> {
    let delay = this.options.minDelayMs ?? 500;
    while (!this.closed) {
      try {
        const bus = await this.connect();
        if (this.closed) {
          await bus.close();
          return;
        }
        this.bus = bus;
        return;
      } catch (error) {
        this.lastError = (error as Error).message;
        this.options.log?.(`bus: cannot connect (${this.lastError}); retrying in ${delay} ms`);
        await new Promise<void>((resolve) => {
          this.timer = setTimeout(resolve, delay);
        });
        delay = Math.min(delay * 2, this.options.maxDelayMs ?? 30_000);
      }
    }
  }

  get connected(): boolean {
    return this.bus !== undefined;
  }

  async publish(topic: Topic, events: EventEnvelope[]): Promise<void> {
    if (!this.bus) throw new Error(`the bus is not connected: ${this.lastError}`);
    await this.bus.publish(topic, events);
  }

  async subscribe(options: SubscribeOptions): Promise<BusSubscription> {
    if (!this.bus) throw new Error(`the bus is not connected: ${this.lastError}`);
    return this.bus.subscribe(options);
  }

  async ping(): Promise<boolean> {
    return this.bus ? this.bus.ping() : false;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.connecting;
    await this.bus?.close();
  }
}
