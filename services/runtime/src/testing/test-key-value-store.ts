import { type KeyValueStore, MemoryKeyValueStore, RedisKeyValueStore } from '../key-value-store.ts';

/**
 * Redis when `REDIS_URL` is set, keys prefixed per test file so files can share a server;
 * otherwise the in-process store.
 */
export async function createTestKeyValueStore(url: string | undefined = process.env.REDIS_URL): Promise<KeyValueStore> {
  if (!url) return new MemoryKeyValueStore();
  const store = await RedisKeyValueStore.connect(url);
  const prefix = `test:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}:`;
  return {
    get: (key) => store.get(prefix + key),
    set: (key, value, options) => store.set(prefix + key, value, options),
    delete: (key) => store.delete(prefix + key),
    increment: (key, windowMs) => store.increment(prefix + key, windowMs),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
