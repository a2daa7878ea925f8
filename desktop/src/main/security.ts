import type { WebContents, WebPreferences } from 'electron';
import { APP_ORIGIN } from '../shared/ipc.ts';

/** The renderer's settings: isolated, sandboxed, no Node; the preload is the only bridge. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/** A URL of the app itself (`app://console/…`); nothing else may talk to main or be navigated to. */
export function isAppUrl(url: string): boolean {
  try {
    // Node's URL gives custom schemes an opaque origin ("null"), so compare scheme and host.
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/**
 * The renderer's CSP: its own files, and requests only to the control API it supervises and, when
 * control has LiveKit configured, to that LiveKit server (voice tests: WebSocket and HTTP origins).
 */
export function contentSecurityPolicy(controlUrl: string, livekitUrl?: string | null): string {
  let connect = new URL(controlUrl).origin;
  if (livekitUrl) {
    for (const url of [livekitUrl, livekitUrl.replace(/^ws(s?):/, 'http$1:')]) {
      const parsed = new URL(url);
      connect += ` ${parsed.protocol}//${parsed.host}`;
    }
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self' ${connect}`,
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * New windows are denied (links to http(s) open in the system browser instead); navigation away
 * from the app and webviews are refused.
 */
export function hardenWebContents(contents: WebContents, openExternal: (url: string) => void): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
