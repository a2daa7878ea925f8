import { createClient } from 'redis';

/**
 * The small part of Redis the services use: cache entries, short sessions, rate-limit counters.
 * Redis in the stack; an in-process map for trials and bare-machine tests. Both pass one contract suite.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  /** Returns false when `onlyIfAbsent` is set and the key exists. */
  set(key: string, value: string, options?: { ttlMs?: number; onlyIfAbsent?: boolean }): Promise<boolean>;
  /** Returns true when the key existed. */
  delete(key: string): Promise<boolean>;
  /**
   * Adds one to a counter that expires `windowMs` after its first increment (a fixed window);
   * returns the new count and how long until the window ends.
   */
  increment(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export class MemoryKeyValueStore implements KeyValueStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Expired keys are dropped on read too; the sweep bounds memory for keys never read again.
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  private live(key: string) {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep() {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  async get(key: string) {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, options: { ttlMs?: number; onlyIfAbsent?: boolean } = {}) {
    if (options.onlyIfAbsent && this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: options.ttlMs ? this.now() + options.ttlMs : Number.POSITIVE_INFINITY });
    return true;
  }

  async delete(key: string) {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async increment(key: string, windowMs: number) {
    const entry = this.live(key);
    if (!entry) {
      this.entries.set(key, { value: '1', expiresAt: this.now() + windowMs });
      return { count: 1, resetInMs: windowMs };
    }
    const count = Number(entry.value) + 1;
    entry.value = String(count);
    return { count, resetInMs: Math.max(0, entry.expiresAt - this.now()) };
  }

  async ping() {
    return true;
  }

  async close() {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}

export class RedisKeyValueStore implements KeyValueStore {
  private constructor(private readonly client: ReturnType<typeof createClient>) {}

  static async connect(url: string): Promise<RedisKeyValueStore> {
    let connectedOnce = false;
    const client = createClient({
      url,
      socket: {
        connectTimeout: 5_000,
        // A server that is down at start is a configuration error to report; one lost later is retried.
        reconnectStrategy: (retries, cause) =>
          connectedOnce
            ? Math.min(retries * 200, 5_000)
            : new Error(`Redis at ${url} is not reachable: ${cause.message}`),
      },
    });
    // node-redis emits 'error' on every failed reconnect; without a listener that would crash the process.
    client.on('error', () => {});
    await client.connect();
    connectedOnce = true;
    return new RedisKeyValueStore(client);
  }

  async get(key: string) {
    return this.client.get(key);
  }

  async set(key: string, value: string, options: { ttlMs?: number; onlyIfAbsent?: boolean } = {}) {
    const result = await this.client.set(key, value, {
      ...(options.ttlMs ? { expiration: { type: 'PX' as const, value: options.ttlMs } } : {}),
      ...(options.onlyIfAbsent ? { condition: 'NX' as const } : {}),
    });
    return result === 'OK';
  }

  async delete(key: string) {
    return (await this.client.del(key)) > 0;
  }

  async increment(key: string, windowMs: number) {
    const [count, , ttl] = (await this.client
      .multi()
      .incr(key)
      .pExpire(key, windowMs, 'NX')
      .pTTL(key)
      .exec()) as unknown as [number, number, number];
    return { count: Number(count), resetInMs: Math.max(0, Number(ttl)) };
  }

  async ping() {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close() {
    await this.client.close();
  }
}

/** Redis when `url` is given, otherwise the in-process store. */
export async function openKeyValueStore(options: { url?: string | undefined }): Promise<KeyValueStore> {
  return options.url ? RedisKeyValueStore.connect(options.url) : new MemoryKeyValueStore();
}
