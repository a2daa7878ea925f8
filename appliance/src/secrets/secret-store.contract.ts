import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SecretStore } from './secret-store.ts';

export interface ContractSubject {
  store: SecretStore;
  /** A second store that must not see the first one's secrets (another state directory). */
  other: SecretStore;
  cleanup(): Promise<void>;
}

/** One suite for every SecretStore implementation: each must behave the same way. */
export function secretStoreContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`SecretStore contract: ${name}`, () => {
    let subject: ContractSubject;
    beforeEach(async () => {
      subject = await make();
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('stores, reads back, overwrites and deletes a secret', async () => {
      const { store } = subject;
      expect(await store.get('POSTGRES_PASSWORD')).toBeUndefined();
      await store.set('POSTGRES_PASSWORD', 'first-value');
      expect(await store.get('POSTGRES_PASSWORD')).toBe('first-value');
      await store.set('POSTGRES_PASSWORD', 'second-value');
      expect(await store.get('POSTGRES_PASSWORD')).toBe('second-value');
      expect(await store.delete('POSTGRES_PASSWORD')).toBe(true);
      expect(await store.delete('POSTGRES_PASSWORD')).toBe(false);
      expect(await store.get('POSTGRES_PASSWORD')).toBeUndefined();
    });

    it('sets many at once and lists them all, keeping values byte for byte', async () => {
      const { store } = subject;
      const values = {
        A_KEY: 'x'.repeat(4000),
        B_KEY: 'ünïcødé ✓ with spaces and "quotes"',
        C_KEY: Buffer.from('-----BEGIN RSA PRIVATE KEY-----\n…\n').toString('base64'),
      };
      await store.setAll(values);
      await store.set('D_KEY', 'd');
      expect(await store.getAll()).toEqual({ ...values, D_KEY: 'd' });
    });

    it('keeps two stores apart', async () => {
      await subject.store.set('SHARED_NAME', 'mine');
      expect(await subject.other.get('SHARED_NAME')).toBeUndefined();
      expect(await subject.other.getAll()).toEqual({});
    });

    it('refuses bad names and empty values with a clear error, storing nothing', async () => {
      const { store } = subject;
      await expect(store.set('', 'v')).rejects.toThrow(/invalid secret name/);
      await expect(store.set('has space', 'v')).rejects.toThrow(/invalid secret name/);
      await expect(store.set('../escape', 'v')).rejects.toThrow(/invalid secret name/);
      await expect(store.set('EMPTY', '')).rejects.toThrow(/must be a non-empty string/);
      await expect(store.setAll({ GOOD: 'v', 'BAD NAME': 'v' })).rejects.toThrow(/invalid secret name/);
      expect(await store.getAll()).toEqual({});
    });
  });
}
