/**
 * The pieces of main that decide something, apart from Electron's objects so they are unit-tested:
 * which file an `app://console/…` request gets, where a `speaknode://` deep link goes, and the
 * CORS headers main adds to the control site's answers for the app's origin.
 */
import { extname, join, normalize } from 'node:path';
import { APP_ORIGIN } from '../shared/ipc.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** The renderer file an app:// request names, or undefined when the path would leave `rendererDir`. */
export function appFileFor(requestUrl: string, rendererDir: string): { file: string; contentType: string } | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const path = normalize(pathname).replace(/^([/\\])+/, '');
  if (path.startsWith('..') || /^[a-z]:/i.test(path)) return undefined;
  const file = join(rendererDir, path || 'index.html');
  return { file, contentType: MIME[extname(file)] ?? 'application/octet-stream' };
}

/** `speaknode://agents/<id>` → the renderer's `app://console/index.html#/agents/<id>`; anything else: undefined. */
export function deepLinkTarget(url: string | undefined): string | undefined {
  if (!url?.startsWith('speaknode://')) return undefined;
  const route = url.slice('speaknode://'.length).replace(/[^\w/-]/g, '');
  return `${APP_ORIGIN}/index.html#/${route}`;
}

export interface HeadersDetails {
  method: string;
  responseHeaders?: Record<string, string[] | string>;
}

/**
 * The renderer (app://console) calls control cross-origin, and control answers no CORS: main lets
 * exactly the app's origin read the control site's answers (installed for `${controlUrl}/*` only).
 * A preflight (OPTIONS) is answered 204.
 */
export function withAppCors(details: HeadersDetails): {
  responseHeaders: Record<string, string[] | string>;
  statusLine?: string;
} {
  const headers: Record<string, string[] | string> = {};
  // Whatever control said about CORS is replaced, never merged (header names differ in case).
  for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
    if (!name.toLowerCase().startsWith('access-control-')) headers[name] = value;
  }
  headers['access-control-allow-origin'] = [APP_ORIGIN];
  headers['access-control-allow-headers'] = ['authorization, content-type, accept, dpop'];
  headers['access-control-allow-methods'] = ['GET, POST, PUT, PATCH, DELETE'];
  headers['access-control-expose-headers'] = ['location, retry-after'];
  return { responseHeaders: headers, ...(details.method === 'OPTIONS' ? { statusLine: 'HTTP/1.1 204' } : {}) };
}
