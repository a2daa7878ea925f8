import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../shared/ipc.ts';
import { STACK_EVENTS_CHANNEL } from '../shared/stack-ipc.ts';

// Electron at the boundary: the preload exposes one function per channel and never ipcRenderer itself.
const exposed = new Map<string, unknown>();
const invoke = vi.fn(async (channel: string, ...args: unknown[]) => ({ result: { channel, args } }));
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: { invoke, on: vi.fn(), off: vi.fn() },
}));

describe('the preload bridge', () => {
  it('exposes window.speaknode with exactly the contract channels, each invoking its own channel', async () => {
    await import('./index.ts');
    const bridge = exposed.get('speaknode') as Record<string, (...args: unknown[]) => Promise<unknown>>;
    expect([...exposed.keys()]).toEqual(['speaknode']);
    expect(Object.keys(bridge).sort()).toEqual([...IPC_CHANNELS, STACK_EVENTS_CHANNEL].sort());
    expect(await bridge['auth:authorize']!('https://issuer.example.com/auth')).toEqual({
      result: { channel: 'auth:authorize', args: ['https://issuer.example.com/auth'] },
    });
    expect(Object.values(bridge).some((value) => value === invoke)).toBe(false);
  });

  it('hands stack:events listeners the payload only, and unsubscribes', async () => {
    await import('./index.ts');
    const electron = (await import('electron')) as unknown as {
      ipcRenderer: { on: ReturnType<typeof vi.fn>; off: ReturnType<typeof vi.fn> };
    };
    const bridge = exposed.get('speaknode') as Record<string, (listener: (p: unknown) => void) => () => void>;
    const seen: unknown[] = [];
    const unsubscribe = bridge[STACK_EVENTS_CHANNEL]!((p) => seen.push(p));
    const [channel, wrapped] = electron.ipcRenderer.on.mock.calls[0] as [string, (e: unknown, p: unknown) => void];
    expect(channel).toBe(STACK_EVENTS_CHANNEL);
    wrapped({ sender: 'not for the renderer' }, { kind: 'stats', stats: [], at: 1 });
    expect(seen).toEqual([{ kind: 'stats', stats: [], at: 1 }]);
    unsubscribe();
    expect(electron.ipcRenderer.off).toHaveBeenCalledWith(STACK_EVENTS_CHANNEL, wrapped);
  });
});
