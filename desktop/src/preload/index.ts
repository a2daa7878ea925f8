/**
 * The renderer's only way into main: `window.speaknode`, one function per channel of the shared
 * contract. `ipcRenderer` itself is never exposed.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { type DesktopBridge, IPC_CHANNELS } from '../shared/ipc.ts';

export function createBridge(invoke: (channel: string, ...args: unknown[]) => Promise<unknown>): DesktopBridge {
  return Object.fromEntries(
    IPC_CHANNELS.map((channel) => [channel, (...args: unknown[]) => invoke(channel, ...args)]),
  ) as DesktopBridge;
}

contextBridge.exposeInMainWorld(
  'speaknode',
  createBridge((channel, ...args) => ipcRenderer.invoke(channel, ...args)),
);
