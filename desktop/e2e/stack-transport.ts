/**
 * The test transport: the real main-process Stack handlers (`registerStackHandlers` on a `StackHost`)
 * exposed over a WebSocket, and the web build served beside it, so Chromium drives the Stack pages
 * as Electron would. Protocol: `{id, channel, args}` in; `{id, answer}` (the handler's
 * `{result} | {error}`) and `{push}` (every `StackPush`) out.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize } from 'node:path';
import type { WebSocket, WebSocketServer as WebSocketServerType } from 'ws';
import type { IpcRegistrar } from '../src/main/ipc-handlers.ts';
import { isAppUrl } from '../src/main/security.ts';
import { registerStackHandlers, type StackPushHub } from '../src/main/stack/stack-handlers.ts';
import type { StackHost } from '../src/main/stack/stack-host.ts';
import { APP_ORIGIN } from '../src/shared/ipc.ts';

type Listener = Parameters<IpcRegistrar['handle']>[1];

// ws's Node entry by its path: the desktop test workers resolve with the `browser` condition, where
// `ws` is a stub without a server.
const nodeRequire = createRequire(import.meta.url);
const { WebSocketServer } = nodeRequire(join(dirname(nodeRequire.resolve('ws/package.json')), 'index.js')) as {
  WebSocketServer: typeof WebSocketServerType;
};

export interface StackTransport {
  /** The web build's page, with `?stack-ws=` set: open this in the browser. */
  pageUrl: (route?: string) => string;
  wsUrl: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export async function startStackTransport(options: {
  host: StackHost;
  hub: StackPushHub;
  /** The web build (`npm run build:web`): out/web. */
  webDir: string;
  /** Stands in for Electron's file chooser: what the person picks (undefined: they cancel). */
  chooseBundle?: () => Promise<string | undefined>;
}): Promise<StackTransport> {
  const handlers = new Map<string, Listener>();
  const registrar: IpcRegistrar = { handle: (channel, listener) => handlers.set(channel, listener) };
  registerStackHandlers(registrar, options.host, isAppUrl, { chooseBundle: options.chooseBundle });

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/console/')) {
      response.writeHead(302, { location: '/console/' }).end();
      return;
    }
    const relative = normalize(decodeURIComponent(url.pathname.slice('/console/'.length))).replace(/^([/\\])+/, '');
    const file = join(
      options.webDir,
      relative.startsWith('..') || relative === '.' ? 'index.html' : relative || 'index.html',
    );
    if (!existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  const wss = new WebSocketServer({ server, path: '/stack' });
  const sockets = new Set<WebSocket>();
  const unsubscribe = options.hub.subscribe((push) => {
    const data = JSON.stringify({ push });
    for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(data);
  });
  wss.on('connection', (socket: WebSocket, _request: IncomingMessage) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', async (raw) => {
      let message: { id?: number; channel?: string; args?: unknown[] };
      try {
        message = JSON.parse(String(raw));
      } catch {
        return;
      }
      const listener = handlers.get(message.channel ?? '');
      const answer = listener
        ? await listener(
            // What Electron hands a handler: here always the app's own frame.
            { senderFrame: { url: `${APP_ORIGIN}/index.html` } } as never,
            ...(Array.isArray(message.args) ? message.args : []),
          )
        : { error: { message: `no channel ${message.channel}`, code: 'unknown_channel' } };
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ id: message.id, answer }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const wsUrl = `ws://127.0.0.1:${port}/stack`;
  return {
    wsUrl,
    pageUrl: (route = 'stack') => `http://127.0.0.1:${port}/console/?stack-ws=${encodeURIComponent(wsUrl)}#/${route}`,
    close: async () => {
      unsubscribe();
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
