import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseSecretStore, keychainService, loadKeytar } from '@speaknode/appliance';
import { startKeyring } from '@speaknode/appliance/testing';
import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { IpcResult } from '../../shared/ipc.ts';
import type { IpcRegistrar } from '../ipc-handlers.ts';
import { SafeStorageSecretStore } from '../stack/safe-storage-secret-store.ts';
import { refreshTokenName, registerRefreshTokenHandlers, type TokenStoreChoice } from './refresh-token-handlers.ts';

/** ipcMain at the boundary: records handlers and invokes them as a frame at `senderUrl` would. */
function fakeIpc() {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const ipc: IpcRegistrar = { handle: (channel, listener) => void handlers.set(channel, listener) };
  const invoke = async (channel: string, senderUrl: string, ...args: unknown[]) =>
    (await handlers.get(channel)!({ senderFrame: { url: senderUrl } } as IpcMainInvokeEvent, ...args)) as IpcResult<
      Record<string, unknown>
    >;
  return { ipc, handlers, invoke };
}

const APP = 'app://console/index.html';
const CONTROL = 'http://127.0.0.1:8080';
const isApp = (url: string) => url.startsWith('app://console/');
const TOKEN = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.refresh-1';

const dirs: string[] = [];
async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'sn-auth-store-'));
  dirs.push(dir);
  return dir;
}

const keyring = await startKeyring();
if ('skip' in keyring) console.info(`refresh token handlers on the OS keychain skipped: ${keyring.skip}`);
const running = 'child' in keyring ? keyring : undefined;

afterAll(async () => {
  await running?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!running)('auth:* handlers on the OS keychain (keytar + gnome-keyring)', () => {
  let stateDir: string;
  let invoke: ReturnType<typeof fakeIpc>['invoke'];
  beforeEach(async () => {
    stateDir = await tempDir();
    const fake = fakeIpc();
    invoke = fake.invoke;
    registerRefreshTokenHandlers({
      ipc: fake.ipc,
      isTrustedSender: isApp,
      controlUrl: CONTROL,
      chooseStore: async () => ({ ...(await chooseSecretStore(stateDir, 'keychain')), label: 'keychain' }),
    });
  });

  it('keeps the refresh token in the keychain, hands it back, replaces it and forgets it', async () => {
    expect(await invoke('auth:restore', APP)).toEqual({ result: { refreshToken: null } });
    const remembered = await invoke('auth:remember', APP, TOKEN);
    expect(remembered).toEqual({
      result: { stored: true, where: `the OS keychain (service ${keychainService(stateDir)})` },
    });
    // It is the keychain's entry, read with keytar itself (not a copy in main's memory).
    const keytar = await loadKeytar();
    expect(await keytar.getPassword(keychainService(stateDir), refreshTokenName(CONTROL))).toBe(TOKEN);
    expect(await invoke('auth:restore', APP)).toEqual({ result: { refreshToken: TOKEN } });

    await invoke('auth:remember', APP, `${TOKEN}-2`);
    expect(await invoke('auth:restore', APP)).toEqual({ result: { refreshToken: `${TOKEN}-2` } });
    expect(await invoke('auth:forget', APP)).toEqual({ result: { forgotten: true } });
    expect(await keytar.getPassword(keychainService(stateDir), refreshTokenName(CONTROL))).toBeNull();
    expect(await invoke('auth:restore', APP)).toEqual({ result: { refreshToken: null } });
    expect(await invoke('auth:forget', APP)).toEqual({ result: { forgotten: false } });
  });

  it('answers other senders with untrusted_sender and touches nothing', async () => {
    await invoke('auth:remember', APP, TOKEN);
    for (const sender of ['https://evil.example.com/', 'file:///tmp/x.html', '']) {
      expect(await invoke('auth:restore', sender)).toEqual({
        error: { message: 'auth:restore refused: the sender is not the console', code: 'untrusted_sender' },
      });
      expect(await invoke('auth:remember', sender, 'attacker-token')).toMatchObject({
        error: { code: 'untrusted_sender' },
      });
      expect(await invoke('auth:forget', sender)).toMatchObject({ error: { code: 'untrusted_sender' } });
    }
    expect(await invoke('auth:restore', APP)).toEqual({ result: { refreshToken: TOKEN } });
    await invoke('auth:forget', APP);
  });

  it('refuses what is not a refresh token, and keeps the one it has', async () => {
    await invoke('auth:remember', APP, TOKEN);
    for (const bad of ['', 'two\nlines', 'x'.repeat(8193), 42, { token: TOKEN }, undefined, 'spaced token']) {
      expect(await invoke('auth:remember', APP, bad)).toEqual({
        error: { message: 'a refresh token is 1 to 8192 printable ASCII characters', code: 'bad_token' },
      });
    }
    expect(await invoke('auth:restore', APP)).toEqual({ result: { refreshToken: TOKEN } });
    await invoke('auth:forget', APP);
  });
});

describe('auth:* handlers without a keychain', () => {
  /** Electron's safeStorage at the boundary: a reversible transform, so the file is not the plain text. */
  const safeStorage = {
    isEncryptionAvailable: () => true,
    encryptString: (plain: string) => Buffer.from(Buffer.from(plain).toString('base64').split('').reverse().join('')),
    decryptString: (data: Buffer) => Buffer.from(data.toString().split('').reverse().join(''), 'base64').toString(),
  };

  it('falls back to Electron safeStorage: an encrypted 0600 file, one token per control site', async () => {
    const dir = await tempDir();
    const choice: TokenStoreChoice = {
      store: new SafeStorageSecretStore(join(dir, 'secrets.safe'), safeStorage),
      label: 'safe-storage',
      reason: 'keytar is not installed',
    };
    const a = fakeIpc();
    const b = fakeIpc();
    registerRefreshTokenHandlers({
      ipc: a.ipc,
      isTrustedSender: isApp,
      controlUrl: CONTROL,
      chooseStore: async () => choice,
    });
    registerRefreshTokenHandlers({
      ipc: b.ipc,
      isTrustedSender: isApp,
      controlUrl: 'https://speaknode.example.com',
      chooseStore: async () => choice,
    });
    expect(await a.invoke('auth:remember', APP, TOKEN)).toEqual({
      result: { stored: true, where: `${join(dir, 'secrets.safe')} (encrypted with Electron safeStorage)` },
    });
    const file = await readFile(join(dir, 'secrets.safe'), 'utf8');
    expect(file).not.toContain(TOKEN);
    expect(await a.invoke('auth:restore', APP)).toEqual({ result: { refreshToken: TOKEN } });
    // Another control site's console has its own token, and none yet.
    expect(await b.invoke('auth:restore', APP)).toEqual({ result: { refreshToken: null } });
    expect(await a.invoke('auth:forget', APP)).toEqual({ result: { forgotten: true } });
    expect(await a.invoke('auth:restore', APP)).toEqual({ result: { refreshToken: null } });
  });

  it('keeps nothing when the only store would be a plain file, and says so', async () => {
    const dir = await tempDir();
    const file = await chooseSecretStore(dir, 'file');
    const { ipc, invoke } = fakeIpc();
    registerRefreshTokenHandlers({
      ipc,
      isTrustedSender: isApp,
      controlUrl: CONTROL,
      chooseStore: async () => ({
        ...file,
        label: 'file',
        reason: 'neither keytar nor Electron safeStorage is usable here',
      }),
    });
    expect(await invoke('auth:remember', APP, TOKEN)).toEqual({
      result: {
        stored: false,
        where:
          'neither keytar nor Electron safeStorage is usable here; the sign-in is not kept after the window closes',
      },
    });
    expect(await invoke('auth:restore', APP)).toEqual({ result: { refreshToken: null } });
    expect(await readdir(dir)).toEqual([]);
  });

  it('answers with the reason when no store can be chosen at all', async () => {
    const { ipc, invoke } = fakeIpc();
    registerRefreshTokenHandlers({
      ipc,
      isTrustedSender: isApp,
      controlUrl: CONTROL,
      chooseStore: async () => {
        throw new Error('the keychain is locked');
      },
    });
    expect(await invoke('auth:remember', APP, TOKEN)).toEqual({
      result: { stored: false, where: 'no secret store: the keychain is locked' },
    });
    expect(await invoke('auth:restore', APP)).toEqual({ result: { refreshToken: null } });
  });
});
