import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseSecretStore } from './choose-secret-store.ts';
import { FileSecretStore } from './file-secret-store.ts';
import { secretStoreContract } from './secret-store.contract.ts';

secretStoreContract('0600 file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sn-secrets-'));
  return {
    store: new FileSecretStore(join(dir, 'a', 'secrets.json')),
    other: new FileSecretStore(join(dir, 'b', 'secrets.json')),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('FileSecretStore', () => {
  it('writes the file 0600 in a 0700 directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sn-secrets-'));
    try {
      const store = new FileSecretStore(join(dir, 'state', 'secrets.json'));
      await store.set('X', 'y');
      expect((await stat(join(dir, 'state', 'secrets.json'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'state'))).mode & 0o777).toBe(0o700);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file others can read, and a malformed one, saying what to do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sn-secrets-'));
    try {
      const path = join(dir, 'secrets.json');
      await writeFile(path, '{"X":"y"}');
      await chmod(path, 0o644);
      const store = new FileSecretStore(path);
      await expect(store.get('X')).rejects.toThrow(/readable by other users \(mode 644\); run `chmod 600/);
      await chmod(path, 0o600);
      expect(await store.get('X')).toBe('y');
      await writeFile(path, '{not json');
      await expect(store.getAll()).rejects.toThrow(/is not valid JSON/);
      await writeFile(path, '{"X": 5}');
      await expect(store.getAll()).rejects.toThrow(/X is not a string/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is what auto picks on a headless server (no D-Bus session)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sn-secrets-'));
    try {
      const chosen = await chooseSecretStore(dir, 'auto', { DBUS_SESSION_BUS_ADDRESS: '' });
      if (process.platform === 'linux') {
        expect(chosen.store.kind).toBe('file');
        expect(chosen.reason).toMatch(/no D-Bus session bus/);
        await expect(chooseSecretStore(dir, 'keychain', {})).rejects.toThrow(/--secret-store keychain: no D-Bus/);
      }
      expect((await chooseSecretStore(dir, 'file')).store.kind).toBe('file');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
