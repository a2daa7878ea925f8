import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ControlClient } from './control-client.ts';
import { DEFAULT_LEG_SETTINGS, type LegDeps, type LegSettings, type LogEntry } from './leg.ts';
import { BridgeMetrics } from './metrics.ts';
import { type ProviderSession, SOCKET_LIMITS, type SocketLimits } from './protocols/session.ts';
import { TwilioSession } from './protocols/twilio.ts';
import { VoxImplantSession } from './protocols/voximplant.ts';
import type { RoomConnector } from './room/room-connection.ts';

export interface BridgeServerOptions {
  control: ControlClient;
  rooms: RoomConnector;
  /** BRIDGE_MAX_LEGS: further sockets are refused with 503 until legs end. */
  maxLegs: number;
  settings?: Partial<LegSettings>;
  /** SPEAKNODE_STREAM_SECRET (see LegDeps.streamSecret). */
  streamSecret?: string;
  limits?: Partial<SocketLimits>;
  metrics?: BridgeMetrics;
  log?: (entry: LogEntry) => void;
}

export interface BridgeServer {
  server: Server;
  metrics: BridgeMetrics;
  /** Listen; resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** End every leg (close code 1001) and stop listening. */
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function refuseUpgrade(socket: Duplex, status: number, text: string, detail: string): void {
  const body = JSON.stringify({ type: 'about:blank', title: text, status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createBridgeServer(options: BridgeServerOptions): BridgeServer {
  const metrics = options.metrics ?? new BridgeMetrics();
  const deps: LegDeps = {
    control: options.control,
    rooms: options.rooms,
    metrics,
    settings: { ...DEFAULT_LEG_SETTINGS, ...options.settings },
    log: options.log,
    streamSecret: options.streamSecret,
  };
  const limits: SocketLimits = { ...SOCKET_LIMITS, ...options.limits };
  const sessions = new Set<ProviderSession>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false });
  let controlCheck: { at: number; ok: boolean } | undefined;

  async function readiness() {
    if (!controlCheck || performance.now() - controlCheck.at > 5000) {
      controlCheck = { at: performance.now(), ok: await options.control.reachable() };
    }
    const problems: string[] = [];
    if (!controlCheck.ok) problems.push('control is not reachable');
    if (metrics.active >= options.maxLegs) problems.push(`at the leg limit (${options.maxLegs})`);
    return {
      status: problems.length === 0 ? 'ready' : 'not_ready',
      problems,
      legs: { active: metrics.active, max: options.maxLegs, ...metrics.activeLegs },
    };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://bridge').pathname;
    if (req.method === 'GET' && path === '/healthz') return json(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/readyz') {
      void readiness().then((body) => json(res, body.status === 'ready' ? 200 : 503, body));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(metrics.render());
      return;
    }
    json(
      res,
      404,
      {
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `no route ${req.method} ${path}; WebSocket endpoints are /twilio and /voximplant`,
      },
      'application/problem+json',
    );
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const path = new URL(req.url ?? '/', 'http://bridge').pathname;
    const Session = path === '/twilio' ? TwilioSession : path === '/voximplant' ? VoxImplantSession : undefined;
    if (!Session)
      return refuseUpgrade(socket, 404, 'Not Found', `no WebSocket endpoint ${path}; use /twilio or /voximplant`);
    if (sessions.size >= options.maxLegs || metrics.active >= options.maxLegs) {
      return refuseUpgrade(
        socket,
        503,
        'Service Unavailable',
        `the bridge is at its limit of ${options.maxLegs} phone legs`,
      );
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new Session(ws, deps, limits);
      sessions.add(session);
      ws.on('close', () => sessions.delete(session));
    });
  });

  return {
    server,
    metrics,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    async close() {
      for (const session of sessions) session.shutdown();
      await new Promise<void>((resolve) => {
        wss.close(() => resolve());
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
