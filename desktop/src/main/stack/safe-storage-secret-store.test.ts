import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { secretStoreContract } from '@speaknode/appliance/testing';
import { describe, expect, it } from 'vitest';
import { type SafeStorageLike, SafeStorageSecretStore } from './safe-storage-secret-store.ts';

// Electron's safeStorage at the boundary: a reversible stand-in that marks what it encrypted.
const fakeSafeStorage = (key: number): SafeStorageLike => ({
  isEncryptionAvailable: () => true,
  encryptString: (plain) =>
    Buffer.from(`enc${key}:${Buffer.from(Buffer.from(plain).map((b) => b ^ key)).toString('base64')}`),
  decryptString: (data) => {
    const text = data.toString();
    if (!text.startsWith(`enc${key}:`)) throw new Error('not encrypted with this key');
    return Buffer.from(Buffer.from(text.slice(`enc${key}:`.length), 'base64').map((b) => b ^ key)).toString();
  },
});

secretStoreContract('SafeStorageSecretStore', async () => {
  const dir = await mkdtemp('/tmp/h17-safe-');
  return {
    store: new SafeStorageSecretStore(join(dir, 'a', 'secrets.safe'), fakeSafeStorage(7)),
    other: new SafeStorageSecretStore(join(dir, 'b', 'secrets.safe'), fakeSafeStorage(7)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('SafeStorageSecretStore', () => {
  it('keeps no secret in clear on disk, and says what to do when another key wrote the file', async () => {
    const dir = await mkdtemp('/tmp/h17-safe-');
    try {
      const path = join(dir, 'secrets.safe');
      await new SafeStorageSecretStore(path, fakeSafeStorage(7)).set('POSTGRES_PASSWORD', 'very-secret-value');
      expect((await readFile(path)).toString()).not.toContain('very-secret-value');
      await expect(new SafeStorageSecretStore(path, fakeSafeStorage(9)).getAll()).rejects.toThrow(
        /cannot decrypt .*another user or machine/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
