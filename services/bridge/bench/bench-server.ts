/**
 * The bridge under load, in its own process so its CPU can be measured alone: fake control, the
 * in-memory room with echo agents, the real server. Driven by `bench.ts` over IPC.
 */
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { WebSocketServer } from 'ws';
import { ControlClient } from '../src/control-client.ts';
import { echoAgent, MemoryRoomConnector } from '../src/room/memory-room.ts';
import { createBridgeServer } from '../src/server.ts';
import { startFakeControl } from '../src/testing/fake-control.ts';

const send = (message: unknown) => process.send?.(message);
const mode = process.argv[2] ?? 'bridge';
const calls = Number(process.argv[3] ?? 200);

let port: number;
let metrics: ReturnType<typeof createBridgeServer>['metrics'] | undefined;
let callIds: string[] = [];

if (mode === 'bridge') {
  const control = await startFakeControl();
  callIds = Array.from({ length: calls }, () => control.addCall());
  const bridge = createBridgeServer({
    control: new ControlClient({
      timeoutMs: 20_000,
      baseUrl: control.url,
      tokens: new ServiceTokenSource({
        issuer: control.url,
        clientId: control.clientId,
        clientSecret: control.clientSecret,
      }),
    }),
    rooms: new MemoryRoomConnector({ agent: () => echoAgent(), keepSeconds: 0 }),
    maxLegs: calls + 10,
  });
  metrics = bridge.metrics;
  port = await bridge.listen(0, '127.0.0.1');
} else {
  // Baseline: a bare `ws` server that bounces each media message straight back (no audio work, no pacing).
  callIds = Array.from({ length: calls }, (_, i) => `baseline-${i}`);
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.event === 'media') {
        socket.send(
          JSON.stringify({ event: 'media', streamSid: message.streamSid, media: { payload: message.media.payload } }),
        );
      }
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  port = (wss.address() as { port: number }).port;
}

let cpuAtStart = process.cpuUsage();
let wallAtStart = performance.now();
process.on('message', (message: { type: string }) => {
  if (message.type === 'status') {
    send({ type: 'status', legs: metrics?.active ?? calls });
  } else if (message.type === 'measure-start') {
    metrics?.lateness.reset();
    cpuAtStart = process.cpuUsage();
    wallAtStart = performance.now();
  } else if (message.type === 'measure-end') {
    const cpu = process.cpuUsage(cpuAtStart);
    send({
      type: 'result',
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: performance.now() - wallAtStart,
      legs: metrics?.active ?? calls,
      ended: metrics
        ?.render()
        .split('\n')
        .filter((line) => line.startsWith('bridge_legs_ended_total') || line.startsWith('bridge_input_rejected_total')),
      lateness: metrics
        ? {
            p50: metrics.lateness.quantile(0.5),
            p99: metrics.lateness.quantile(0.99),
            max: metrics.lateness.max,
            frames: metrics.lateness.count,
          }
        : undefined,
    });
  } else if (message.type === 'exit') {
    process.exit(0);
  }
});
send({ type: 'ready', port, callIds });
