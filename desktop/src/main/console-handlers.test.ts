import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it } from 'vitest';
import type { IpcResult } from '../shared/ipc.ts';
import { registerConsoleHandlers } from './console-handlers.ts';
import type { IpcRegistrar } from './ipc-handlers.ts';

/** ipcMain at the boundary: records handlers and invokes them as a frame at `senderUrl` would. */
function fakeIpc() {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const ipc: IpcRegistrar = { handle: (channel, listener) => void handlers.set(channel, listener) };
  const invoke = async (channel: string, senderUrl: string, ...args: unknown[]) =>
    (await handlers.get(channel)!({ senderFrame: { url: senderUrl } } as IpcMainInvokeEvent, ...args)) as IpcResult<
      Record<string, string>
    >;
  return { ipc, handlers, invoke };
}

const APP = 'app://console/index.html';
const info = () => ({ version: '0.1.0', controlUrl: 'http://127.0.0.1:8080', platform: 'linux' });

describe('the main process IPC handlers', () => {
  it('answers {result} to the app and {error} to any other sender', async () => {
    const { ipc, handlers, invoke } = fakeIpc();
    registerConsoleHandlers({ ipc, info, openExternal: async () => {} });
    expect([...handlers.keys()].sort()).toEqual(['app:info', 'auth:authorize', 'auth:prepareLoopback']);
    expect(await invoke('app:info', APP)).toEqual({ result: info() });
    expect(await invoke('app:info', 'https://evil.example.com/')).toEqual({
      error: { message: 'app:info refused: the sender is not the console', code: 'untrusted_sender' },
    });
    expect(await invoke('app:info', 'file:///etc/passwd')).toMatchObject({ error: { code: 'untrusted_sender' } });
  });

  it('opens the authorization URL in the browser and resolves with the loopback callback', async () => {
    const { ipc, invoke } = fakeIpc();
    const opened: string[] = [];
    const handlers = registerConsoleHandlers({
      ipc,
      info,
      openExternal: async (url) => {
        opened.push(url);
        // The browser comes back to the loopback redirect with the issuer's answer.
        const redirect = new URL(url).searchParams.get('redirect_uri')!;
        const page = await fetch(`${redirect}?code=abc&state=xyz`);
        expect(await page.text()).toContain('go back to Speaknode');
      },
    });
    const prepared = await invoke('auth:prepareLoopback', APP);
    if (!('result' in prepared)) throw new Error(JSON.stringify(prepared));
    const redirectUri = prepared.result.redirectUri!;
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const authorize = `http://127.0.0.1:8080/oidc/auth?client_id=speaknode-desktop&redirect_uri=${encodeURIComponent(redirectUri)}`;
    expect(await invoke('auth:authorize', APP, authorize)).toEqual({
      result: { callbackUrl: `${redirectUri}?code=abc&state=xyz` },
    });
    expect(opened).toEqual([authorize]);
    // One-shot: the listener is gone after the callback.
    await expect(fetch(redirectUri)).rejects.toThrow();
    handlers.dispose();
  });

  it('refuses to open URLs off the control site, plain-http issuers elsewhere, or a foreign redirect', async () => {
    const { ipc, invoke } = fakeIpc();
    const opened: string[] = [];
    const handlers = registerConsoleHandlers({ ipc, info, openExternal: async (url) => void opened.push(url) });
    expect(await invoke('auth:authorize', APP, 'http://127.0.0.1:8080/oidc/auth')).toMatchObject({
      error: { code: 'no_loopback' },
    });
    const prepared = (await invoke('auth:prepareLoopback', APP)) as { result: { redirectUri: string } };
    const redirect = encodeURIComponent(prepared.result.redirectUri);
    for (const url of [
      `http://192.168.1.5/oidc/auth?redirect_uri=${redirect}`,
      `file:///etc/passwd?redirect_uri=${redirect}`,
      'https://issuer.example.com/auth?redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcallback',
      'not a url',
    ]) {
      expect(await invoke('auth:authorize', APP, url)).toMatchObject({ error: { code: 'bad_url' } });
    }
    expect(opened).toEqual([]);
    handlers.dispose();
  });
});
