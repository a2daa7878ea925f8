import type { Duplex } from 'node:stream';
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { ControlClient } from '../control-client.ts';
import type { LegSettings, LogEntry } from '../leg.ts';
import type { SocketLimits } from '../protocols/session.ts';
import { echoAgent, type MemoryAgent, MemoryRoomConnector } from '../room/memory-room.ts';
import type { RoomConnector, RoomJoin } from '../room/room-connection.ts';
import { createBridgeServer } from '../server.ts';
import { startFakeControl } from './fake-control.ts';

export interface HarnessOptions {
  agent?: (join: RoomJoin) => MemoryAgent;
  rejectJoin?: (join: RoomJoin) => string | undefined;
  /** How long the in-memory room takes to join. */
  joinDelayMs?: number;
  settings?: Partial<LegSettings>;
  limits?: Partial<SocketLimits>;
  maxLegs?: number;
  /** Point the bridge at a control URL that does not answer. */
  controlDown?: boolean;
  /** Use this room connector instead of the in-memory room (e.g. the real rtc-node adapter). */
  connector?: RoomConnector;
  /** The LiveKit URL control hands out in its grants. */
  livekitUrl?: string;
  log?: (entry: LogEntry) => void;
  streamSecret?: string;
}

/** A bridge on port 0 with a fake control (real token source) and an in-memory room. */
export async function startHarness(options: HarnessOptions = {}) {
  const control = await startFakeControl({ livekitUrl: options.livekitUrl });
  const baseUrl = options.controlDown ? 'http://127.0.0.1:9' : control.url;
  const tokens = new ServiceTokenSource({
    issuer: control.url,
    clientId: control.clientId,
    clientSecret: control.clientSecret,
  });
  const rooms = new MemoryRoomConnector({
    agent: options.agent ?? (() => echoAgent()),
    rejectJoin: options.rejectJoin,
    joinDelayMs: options.joinDelayMs,
  });
  const bridge = createBridgeServer({
    control: new ControlClient({ baseUrl, tokens, timeoutMs: 1000 }),
    rooms: options.connector ?? rooms,
    maxLegs: options.maxLegs ?? 50,
    // Unknown calls are retried for 3 s in production; tests of unknown calls need not wait that long.
    settings: { callAppearWaitMs: 300, ...options.settings },
    limits: options.limits,
    log: options.log,
    streamSecret: options.streamSecret,
  });
  // When the bridge really sent each media and clear message: read off the server's socket writes
  // (server frames are unmasked, RFC 6455 §5.1), so a test can model the provider's buffer from
  // the send times, unaffected by when the test's client, sharing this event loop, got to read them.
  const sent: ProviderSend[] = [];
  bridge.server.on('upgrade', (_req, socket: Duplex) => {
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    (socket as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk) || typeof chunk === 'string') {
        const text = chunk.toString();
        const at = performance.now();
        for (const match of text.matchAll(/"event":"(media|clear)"/g))
          sent.push({ at, event: match[1] as 'media' | 'clear' });
      }
      return write(chunk, ...rest);
    };
  });
  const port = await bridge.listen(0, '127.0.0.1');
  return {
    /** Media and clear messages in the order and at the time the bridge wrote them (all sockets). */
    sent,
    control,
    rooms,
    bridge,
    metrics: bridge.metrics,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    async close() {
      await bridge.close();
      await control.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export interface ProviderSend {
  at: number;
  event: 'media' | 'clear';
}

/**
 * The most audio (ms, counting the frame just arrived) that waited in a provider's playback buffer,
 * had it received each message the moment the bridge sent it: a player that is idle starts a frame
 * as it arrives and plays 20 ms a frame; `clear` empties the buffer.
 */
export function maxQueuedMsAtProvider(sent: readonly ProviderSend[]): number {
  let endsAt = Number.NEGATIVE_INFINITY;
  let max = 0;
  for (const { at, event } of sent) {
    if (event === 'clear') {
      endsAt = at;
      continue;
    }
    endsAt = Math.max(endsAt, at) + 20;
    max = Math.max(max, endsAt - at);
  }
  return max;
}

/** Poll until `check` returns a value (tests wait on state, never on fixed delays). */
export async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
