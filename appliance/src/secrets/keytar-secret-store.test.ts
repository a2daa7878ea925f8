import { afterAll, describe, expect, it } from 'vitest';
import { startKeyring } from '../testing/keyring.ts';
import { chooseSecretStore, keychainService } from './choose-secret-store.ts';
import { KeytarSecretStore, loadKeytar } from './keytar-secret-store.ts';
import { secretStoreContract } from './secret-store.contract.ts';

const keyring = await startKeyring();
if ('skip' in keyring) console.info(`keytar SecretStore tests skipped: ${keyring.skip}`);
const running = 'child' in keyring ? keyring : undefined;

afterAll(async () => {
  await running?.stop();
});

if (running) {
  let n = 0;
  secretStoreContract('OS keychain (keytar + gnome-keyring)', async () => {
    const keytar = await loadKeytar();
    n++;
    const store = new KeytarSecretStore(keytar, `speaknode-test-${process.pid}-${n}-a`);
    const other = new KeytarSecretStore(keytar, `speaknode-test-${process.pid}-${n}-b`);
    return {
      store,
      other,
      cleanup: async () => {
        for (const s of [store, other]) for (const name of Object.keys(await s.getAll())) await s.delete(name);
      },
    };
  });

  describe('chooseSecretStore with a keychain', () => {
    it('picks the keychain automatically when the Secret Service answers, one service per state dir', async () => {
      const chosen = await chooseSecretStore('/tmp/state-a');
      expect(chosen.store.kind).toBe('keychain');
      expect(chosen.store.location).toContain(keychainService('/tmp/state-a'));
      expect(keychainService('/tmp/state-a')).not.toBe(keychainService('/tmp/state-b'));
      expect((await chooseSecretStore('/tmp/state-a', 'file')).store.kind).toBe('file');
    });
  });
} else {
  describe.skip('SecretStore contract: OS keychain (keytar + gnome-keyring)', () => {
    it('needs dbus-run-session and gnome-keyring', () => {});
  });
}
