/**
 * The server side of LiveKit's agent worker protocol (`/agent` WebSocket, protobuf
 * `WorkerMessage`/`ServerMessage` from @livekit/protocol) plus the Twirp RoomService endpoint the
 * worker calls to delete a room. Enough to register a real `AgentServer`, dispatch a job to it and
 * watch what the job does, without a LiveKit server; media is out of scope.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Job, JobType, Room, ServerMessage, WorkerMessage } from '@livekit/protocol';
import { TokenVerifier } from 'livekit-server-sdk';
import { type WebSocket, WebSocketServer } from 'ws';

export interface FakeLivekit {
  url: string;
  apiKey: string;
  apiSecret: string;
  registrations: Array<{ agentName: string; workerId: string }>;
  workerMessages: WorkerMessage[];
  deletedRooms: string[];
  rejectedConnections: number;
  /** Offers a job to the registered worker and resolves when it has been assigned. */
  dispatch(job: { id: string; roomName: string; metadata: string; agentName: string }): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeLivekit(): Promise<FakeLivekit> {
  const apiKey = 'APIfaketest';
  const apiSecret = 'fake-livekit-secret-0123456789abcdef';
  const verifier = new TokenVerifier(apiKey, apiSecret);
  const state = {
    registrations: [] as FakeLivekit['registrations'],
    workerMessages: [] as WorkerMessage[],
    deletedRooms: [] as string[],
    rejectedConnections: 0,
  };
  let worker: WebSocket | undefined;
  const waiting = new Map<string, (message: WorkerMessage) => void>();

  const http: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      if (req.url === '/twirp/livekit.RoomService/DeleteRoom') {
        try {
          await verifier.verify((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        } catch {
          res.writeHead(401).end();
          return;
        }
        state.deletedRooms.push((JSON.parse(body || '{}') as { room?: string }).room ?? '');
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      res.writeHead(404).end();
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', async (req: IncomingMessage, socket, head) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const grants = await verifier.verify(token).catch(() => undefined);
    if (!req.url?.startsWith('/agent') || !grants?.video?.agent) {
      state.rejectedConnections++;
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      worker = ws;
      ws.on('message', (data: Buffer) => {
        const message = WorkerMessage.fromBinary(new Uint8Array(data));
        state.workerMessages.push(message);
        if (message.message.case === 'register') {
          const workerId = `AW_${state.registrations.length + 1}`;
          state.registrations.push({ agentName: message.message.value.agentName, workerId });
          ws.send(
            new ServerMessage({
              message: { case: 'register', value: { workerId, serverInfo: { version: 'fake', protocol: 1 } } },
            }).toBinary(),
          );
        } else if (message.message.case === 'availability') {
          waiting.get(message.message.value.jobId)?.(message);
        }
      });
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;

  return Object.assign(state, {
    url: `ws://127.0.0.1:${port}`,
    apiKey,
    apiSecret,
    async dispatch(spec: { id: string; roomName: string; metadata: string; agentName: string }) {
      if (!worker) throw new Error('no worker is connected');
      const job = new Job({
        id: spec.id,
        dispatchId: `AD_${spec.id}`,
        type: JobType.JT_ROOM,
        room: new Room({ sid: `RM_${spec.id}`, name: spec.roomName }),
        metadata: spec.metadata,
        agentName: spec.agentName,
      });
      const answer = new Promise<WorkerMessage>((resolve) => waiting.set(spec.id, resolve));
      worker.send(new ServerMessage({ message: { case: 'availability', value: { job, resuming: false } } }).toBinary());
      const response = await answer;
      if (response.message.case !== 'availability' || !response.message.value.available) {
        throw new Error('the worker declined the job');
      }
      worker.send(
        new ServerMessage({
          message: { case: 'assignment', value: { job, token: 'fake-room-token', url: `http://127.0.0.1:${port}` } },
        }).toBinary(),
      );
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  }) as FakeLivekit;
}
