import { afterAll, describe, expect, it } from 'vitest';
import { type KeyValueStore, MemoryKeyValueStore } from './key-value-store.ts';
import { createTestKeyValueStore } from './testing/test-key-value-store.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One contract, run against every implementation. */
function keyValueStoreContract(name: string, open: () => Promise<KeyValueStore>) {
  describe(`KeyValueStore contract: ${name}`, () => {
    let store: KeyValueStore;
    afterAll(async () => store?.close());

    it('sets, gets and deletes', async () => {
      store = await open();
      expect(await store.ping()).toBe(true);
      expect(await store.get('a')).toBeNull();
      expect(await store.set('a', '1')).toBe(true);
      expect(await store.get('a')).toBe('1');
      expect(await store.delete('a')).toBe(true);
      expect(await store.delete('a')).toBe(false);
      expect(await store.get('a')).toBeNull();
    });

    it('honours onlyIfAbsent', async () => {
      expect(await store.set('once', 'first', { onlyIfAbsent: true })).toBe(true);
      expect(await store.set('once', 'second', { onlyIfAbsent: true })).toBe(false);
      expect(await store.get('once')).toBe('first');
    });

    it('expires entries after their TTL', async () => {
      await store.set('short', 'x', { ttlMs: 60 });
      expect(await store.get('short')).toBe('x');
      await sleep(120);
      expect(await store.get('short')).toBeNull();
    });

    it('counts within a fixed window and starts a new one after it', async () => {
      const first = await store.increment('rate', 150);
      expect(first.count).toBe(1);
      expect(first.resetInMs).toBeGreaterThan(0);
      expect(first.resetInMs).toBeLessThanOrEqual(150);
      expect((await store.increment('rate', 150)).count).toBe(2);
      const third = await store.increment('rate', 150);
      expect(third.count).toBe(3);
      expect(third.resetInMs).toBeLessThanOrEqual(first.resetInMs);
      await sleep(200);
      expect((await store.increment('rate', 150)).count).toBe(1);
    });
  });
}

keyValueStoreContract('in-process', async () => new MemoryKeyValueStore());

if (process.env.REDIS_URL) {
  keyValueStoreContract(`Redis at ${process.env.REDIS_URL}`, () => createTestKeyValueStore());
} else {
  describe.skip('KeyValueStore contract: Redis (skipped: REDIS_URL is not set)', () => {
    it('runs when REDIS_URL is set', () => {});
  });
  console.info('[key-value-store.test] Redis contract skipped: REDIS_URL is not set');
}

describe('RedisKeyValueStore when the server is down', () => {
  it('fails to connect with an error instead of hanging', async () => {
    const { RedisKeyValueStore } = await import('./key-value-store.ts');
    await expect(RedisKeyValueStore.connect('redis://127.0.0.1:1')).rejects.toThrow(
      /Redis at redis:\/\/127.0.0.1:1 is not reachable/,
    );
  }, 15_000);
});
