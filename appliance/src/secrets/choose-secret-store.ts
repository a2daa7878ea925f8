import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { FileSecretStore } from './file-secret-store.ts';
import { KeytarSecretStore, loadKeytar } from './keytar-secret-store.ts';
import type { SecretStore } from './secret-store.ts';

export type SecretStorePreference = 'auto' | 'keychain' | 'file';

export interface ChosenSecretStore {
  store: SecretStore;
  /** Why this one, in words (shown by `doctor` and `init`). */
  reason: string;
}

/** The keychain service name for a state directory. */
export function keychainService(stateDir: string): string {
  return `speaknode:${createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 12)}`;
}

/**
 * `auto` takes the OS keychain when one is reachable (macOS, Windows, or a Linux desktop session with a
 * D-Bus session bus and a Secret Service that answers), else the 0600 file — a headless server has no
 * keychain. `keychain` fails with the reason instead of falling back; `file` never tries the keychain.
 */
export async function chooseSecretStore(
  stateDir: string,
  preference: SecretStorePreference = 'auto',
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChosenSecretStore> {
  const file = () => new FileSecretStore(join(stateDir, 'secrets.json'));
  if (preference === 'file') return { store: file(), reason: 'chosen with --secret-store file' };

  let problem: string | undefined;
  if (process.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) {
    problem = 'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset): a headless server has no keychain';
  } else {
    try {
      const keytar = await loadKeytar();
      const store = new KeytarSecretStore(keytar, keychainService(stateDir));
      // A keychain that is locked or absent fails here rather than half-way through init.
      await withTimeout(keytar.findCredentials(store.service), 5_000);
      return { store, reason: 'the OS keychain answered' };
    } catch (error) {
      problem = `the OS keychain is not usable: ${(error as Error).message}`;
    }
  }
  if (preference === 'keychain') throw new Error(`--secret-store keychain: ${problem}`);
  return { store: file(), reason: `${problem}; using a 0600 file` };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
