import type { DesktopBridge } from '../../shared/ipc.ts';

/** `window.speaknode` in Electron (the preload's bridge); undefined in a browser. */
export function desktopBridge(): DesktopBridge | undefined {
  return (globalThis as { speaknode?: DesktopBridge }).speaknode;
}

/** The control API's base URL: the page's own origin in the web app, the supervised stack's in Electron. */
export async function controlBaseUrl(): Promise<string> {
  const bridge = desktopBridge();
  if (!bridge) return globalThis.location.origin;
  const answer = await bridge['app:info']();
  if ('error' in answer) throw new Error(answer.error.message);
  return answer.result.controlUrl;
}
