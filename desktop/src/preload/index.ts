/**
 * The renderer's only way into main: `window.speaknode`, one function per channel of the shared
 * contract, plus `stack:events` (a listener for what main pushes about the stack). `ipcRenderer`
 * itself is never exposed.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { type DesktopBridge, IPC_CHANNELS } from '../shared/ipc.ts';
import { STACK_EVENTS_CHANNEL, type StackPush } from '../shared/stack-ipc.ts';

export function createBridge(
  invoke: (channel: string, ...args: unknown[]) => Promise<unknown>,
  subscribe: (channel: string, listener: (payload: unknown) => void) => () => void,
): DesktopBridge {
  return {
    ...Object.fromEntries(IPC_CHANNELS.map((channel) => [channel, (...args: unknown[]) => invoke(channel, ...args)])),
    [STACK_EVENTS_CHANNEL]: (listener: (push: StackPush) => void) =>
      subscribe(STACK_EVENTS_CHANNEL, (payload) => listener(payload as StackPush)),
  } as DesktopBridge;
}

contextBridge.exposeInMainWorld(
  'speaknode',
  createBridge(
    (channel, ...args) => ipcRenderer.invoke(channel, ...args),
    (channel, listener) => {
      // The event object stays in the preload: the renderer sees the payload only.
      const wrapped = (_event: unknown, payload: unknown) => listener(payload);
      ipcRenderer.on(channel, wrapped);
      return () => ipcRenderer.off(channel, wrapped);
    },
  ),
);
