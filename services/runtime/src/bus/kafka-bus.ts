import { EventEnvelope, messageKeyOf, type Topic } from '@speaknode/contracts';
import { type Admin, type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import {
  type Bus,
  type BusSubscription,
  type DeliveredEvent,
  refuseBadEnvelopes,
  type SubscribeOptions,
} from './bus.ts';

export interface KafkaBusOptions {
  brokers: string[];
  clientId?: string;
  /** Partitions for topics this bus creates (default 1; ordering is per key either way). */
  partitions?: number;
  replicationFactor?: number;
  /** How often kafkajs retries a failed request before giving up (default 5). */
  retries?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * The bus on Kafka (kafkajs): an idempotent producer with acks=all (-1), the envelope's subject as
 * message key (order per entity), consumer groups with offsets committed after the handler resolves.
 */
export class KafkaBus implements Bus {
  private readonly consumers = new Set<Consumer>();
  private readonly ensuredTopics = new Set<string>();

  private constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly admin: Admin,
    private readonly options: KafkaBusOptions,
  ) {}

  static async connect(options: KafkaBusOptions): Promise<KafkaBus> {
    const log = options.log ?? ((message, fields) => console.warn(message, fields ?? ''));
    const kafka = new Kafka({
      clientId: options.clientId ?? 'speaknode',
      brokers: options.brokers,
      connectionTimeout: 5_000,
      retry: { retries: options.retries ?? 5, initialRetryTime: 300 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => log(`kafka: ${entry.log.message}`, { namespace: entry.namespace }),
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    const admin = kafka.admin();
    await producer.connect();
    await admin.connect();
    return new KafkaBus(kafka, producer, admin, options);
  }

  private async ensureTopics(topics: string[]) {
    const missing = topics.filter((t) => !this.ensuredTopics.has(t));
    if (missing.length === 0) return;
    const existing = new Set(await this.admin.listTopics());
    const toCreate = missing.filter((t) => !existing.has(t));
    if (toCreate.length > 0) {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: toCreate.map((topic) => ({
          topic,
          numPartitions: this.options.partitions ?? 1,
          replicationFactor: this.options.replicationFactor ?? -1,
        })),
      });
    }
    for (const t of missing) this.ensuredTopics.add(t);
  }

  async publish(topic: Topic, events: EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    refuseBadEnvelopes(events);
    await this.ensureTopics([topic]);
    await this.producer.send({
      topic,
      acks: -1,
      messages: events.map((event) => ({
        key: messageKeyOf(event),
        value: JSON.stringify(event),
        headers: { 'ce-id': event.id, 'ce-type': event.type },
      })),
    });
  }

  async subscribe(options: SubscribeOptions): Promise<BusSubscription> {
    const log = this.options.log ?? ((message, fields) => console.warn(message, fields ?? ''));
    await this.ensureTopics(options.topics);
    const consumer = this.kafka.consumer({ groupId: options.group, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: true,
      partitionsConsumedConcurrently: 1,
      // The offset is committed only after this resolves; a throw makes kafkajs deliver it again.
      eachMessage: async ({ topic, message }) => {
        let raw: unknown;
        try {
          raw = JSON.parse(message.value?.toString('utf8') ?? 'null');
        } catch {
          raw = undefined;
        }
        const envelope = EventEnvelope.safeParse(raw);
        if (!envelope.success) {
          log('bus: skipping a message that is not an event envelope', { topic, offset: message.offset });
          return;
        }
        const delivered: DeliveredEvent = {
          topic: topic as Topic,
          key: message.key?.toString('utf8') ?? envelope.data.id,
          event: envelope.data as DeliveredEvent['event'],
        };
        await options.handler(delivered);
      },
    });
    this.consumers.add(consumer);
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async ping(): Promise<boolean> {
    try {
      await this.admin.describeCluster();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}
