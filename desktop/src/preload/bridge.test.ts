import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../shared/ipc.ts';

// Electron at the boundary: the preload exposes one function per channel and never ipcRenderer itself.
const exposed = new Map<string, unknown>();
const invoke = vi.fn(async (channel: string, ...args: unknown[]) => ({ result: { channel, args } }));
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: { invoke },
}));

describe('the preload bridge', () => {
  it('exposes window.speaknode with exactly the contract channels, each invoking its own channel', async () => {
    await import('./index.ts');
    const bridge = exposed.get('speaknode') as Record<string, (...args: unknown[]) => Promise<unknown>>;
    expect([...exposed.keys()]).toEqual(['speaknode']);
    expect(Object.keys(bridge).sort()).toEqual([...IPC_CHANNELS].sort());
    expect(await bridge['auth:authorize']!('https://issuer.example.com/auth')).toEqual({
      result: { channel: 'auth:authorize', args: ['https://issuer.example.com/auth'] },
    });
    expect(Object.values(bridge).some((value) => value === invoke)).toBe(false);
  });
});
