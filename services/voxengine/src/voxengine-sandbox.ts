import { createHmac } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';

/**
 * Runs a VoxEngine scenario in a Node `vm` context with a stand-in for the part of the VoxEngine
 * API it uses, as VoxImplant documents it (VoxImplant's own runtime is a cloud service and cannot
 * run here): AppEvents.CallAlerting and Started (VoxEngine.customData, VoxEngine.callPSTN), Call (id, answer, hangup, handleTones, sendMediaTo,
 * Connected/Disconnected/Failed/ToneReceived), VoxEngine.createWebSocket (a real `ws` client; OPEN,
 * MESSAGE with `text`, CLOSE; send, close, sendMediaTo, clearMediaBuffer), Net.httpRequestAsync
 * (a real HTTP request; headers as "Name: value" strings; resolves to {code, text}),
 * Crypto.hmac_sha256 (hex) and Logger.write. `call.sendMediaTo(socket, …)` streams the call's
 * audio in VoxImplant's WebSocket media format (start, media every 20 ms, stop).
 */
export const AppEvents = { CallAlerting: 'AppEvents.CallAlerting', Started: 'AppEvents.Started' } as const;
export const CallEvents = {
  Connected: 'CallEvents.Connected',
  Disconnected: 'CallEvents.Disconnected',
  Failed: 'CallEvents.Failed',
  ToneReceived: 'CallEvents.ToneReceived',
} as const;
export const WebSocketEvents = {
  OPEN: 'WebSocket.Open',
  MESSAGE: 'WebSocket.Message',
  CLOSE: 'WebSocket.Close',
} as const;

type Listener = (event: Record<string, unknown>) => unknown;

class Emitter {
  private readonly listeners = new Map<string, Listener[]>();
  addEventListener(event: string, listener: Listener): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }
  emit(event: string, payload: Record<string, unknown> = {}): void {
    for (const listener of this.listeners.get(event) ?? []) void listener(payload);
  }
}

/** A caller's call: PCM16 16 kHz audio it says, what it hears, what happened to it. */
export class SandboxCall extends Emitter {
  answered = false;
  hungUp = false;
  tonesHandled = false;
  /** Agent audio played to the caller, as the little-endian PCM16 payloads arrived. */
  readonly heard: Buffer[] = [];
  private streamTimer: NodeJS.Timeout | undefined;
  private readonly connectedAt = Date.now();

  constructor(
    private readonly voxCallId: string,
    private readonly audio: Uint8Array,
  ) {
    super();
  }

  id(): string {
    return this.voxCallId;
  }

  answer(): void {
    this.answered = true;
    setImmediate(() => this.emit(CallEvents.Connected, { call: this }));
  }

  /** Keys the scenario pressed on the call (`Call.sendDigits`). */
  readonly digitsSent: string[] = [];

  sendDigits(digits: string): void {
    this.digitsSent.push(digits);
  }

  handleTones(enabled: boolean): void {
    this.tonesHandled = enabled;
  }

  /** The scenario (agent side) hangs up. */
  hangup(): void {
    this.end();
  }

  /** The caller hangs up. */
  callerHangsUp(): void {
    this.end();
  }

  /** The callee of an outbound call (callPSTN) picks up. */
  calleeAnswers(): void {
    this.answer();
  }

  /** An outbound call that does not connect: CallEvents.Failed with the SIP code (486 busy, 480 no answer). */
  calleeFails(code: number, reason: string): void {
    this.hungUp = true;
    this.emit(CallEvents.Failed, { call: this, code, reason });
  }

  pressKey(digit: string): void {
    if (this.tonesHandled) this.emit(CallEvents.ToneReceived, { call: this, tone: digit });
  }

  private end(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    clearInterval(this.streamTimer);
    if (this.answered) {
      this.emit(CallEvents.Disconnected, {
        call: this,
        duration: Math.round((Date.now() - this.connectedAt) / 1000),
      });
    }
  }

  /** Streams the caller's audio to `socket` in 20 ms media messages, as VoxImplant does. */
  sendMediaTo(socket: SandboxWebSocket, parameters: { encoding?: string; tag?: string; customParameters?: unknown }) {
    if (parameters.encoding !== 'PCM16') throw new Error(`the sandbox streams PCM16 only, not ${parameters.encoding}`);
    const tag = parameters.tag;
    let sequenceNumber = 0;
    socket.sendRaw({
      event: 'start',
      sequenceNumber: sequenceNumber++,
      start: {
        mediaFormat: { encoding: 'PCM16', sampleRate: 16000 },
        tag,
        customParameters: parameters.customParameters,
      },
    });
    let chunk = 0;
    this.streamTimer = setInterval(() => {
      const from = (chunk * 640) % Math.max(640, this.audio.length - 640);
      socket.sendRaw({
        event: 'media',
        sequenceNumber: sequenceNumber++,
        media: {
          tag,
          chunk,
          timestamp: chunk * 320,
          payload: Buffer.from(this.audio.subarray(from, from + 640)).toString('base64'),
        },
      });
      chunk++;
    }, 20);
  }
}

export class SandboxWebSocket extends Emitter {
  readonly socket: WebSocket;
  readonly sentText: string[] = [];
  readonly clears: (string | undefined)[] = [];
  private playTo: { call: SandboxCall; tag: string | undefined } | undefined;

  constructor(url: string) {
    super();
    this.socket = new WebSocket(url);
    this.socket.on('open', () => this.emit(WebSocketEvents.OPEN, { websocket: this }));
    this.socket.on('message', (data) => {
      const text = data.toString();
      const message = JSON.parse(text) as { event?: string; media?: { tag?: string; payload?: string } };
      const media = message.event === 'media' ? message.media : undefined;
      if (media && this.playTo && media.tag === this.playTo.tag) {
        this.playTo.call.heard.push(Buffer.from(media.payload ?? '', 'base64'));
      }
      this.emit(WebSocketEvents.MESSAGE, { websocket: this, text });
    });
    this.socket.on('close', (code, reason) =>
      this.emit(WebSocketEvents.CLOSE, { websocket: this, code, reason: reason.toString(), wasClean: true }),
    );
    this.socket.on('error', () => {});
  }

  sendRaw(message: unknown): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  send(text: string): void {
    this.sentText.push(text);
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  sendMediaTo(call: SandboxCall, parameters: { tag?: string } = {}): void {
    this.playTo = { call, tag: parameters.tag };
  }

  clearMediaBuffer(parameters: { tag?: string } = {}): void {
    this.clears.push(parameters.tag);
  }

  close(): void {
    this.socket.close();
  }
}

export interface ScenarioRun {
  calls: SandboxCall[];
  sockets: SandboxWebSocket[];
  log: string[];
  terminated: number;
  /** An incoming call, as VoxImplant's AppEvents.CallAlerting announces it. */
  alert(call: { voxCallId: string; from: string; to: string; audio: Uint8Array }): SandboxCall;
  /** A session the HTTP API started (StartScenarios): AppEvents.Started, `customData` as given. */
  start(customData: string, callee: { audio: Uint8Array }): void;
  /** The PSTN calls the scenario placed (VoxEngine.callPSTN), with the number and caller id it used. */
  placed: { call: SandboxCall; number: string; callerId: string }[];
}

/** Evaluates `source` (the scenario, its constants already set) with the stand-in API. */
export function runScenario(source: string): ScenarioRun {
  const engine = new Emitter();
  const run: ScenarioRun = {
    calls: [],
    sockets: [],
    log: [],
    terminated: 0,
    alert({ voxCallId, from, to, audio }) {
      const call = new SandboxCall(voxCallId, audio);
      run.calls.push(call);
      engine.emit(AppEvents.CallAlerting, { call, callerid: from, destination: to });
      return call;
    },
    placed: [],
    start(data, callee) {
      customData = data;
      calleeAudio = callee.audio;
      engine.emit(AppEvents.Started, {});
    },
  };
  let customData = '';
  let calleeAudio: Uint8Array = new Uint8Array(0);
  const context = {
    AppEvents,
    CallEvents,
    WebSocketEvents,
    WebSocketAudioEncoding: { PCM16: 'PCM16', PCM8: 'PCM8', ULAW: 'ULAW', ALAW: 'ALAW' },
    VoxEngine: {
      addEventListener: (event: string, listener: Listener) => engine.addEventListener(event, listener),
      createWebSocket: (url: string) => {
        const socket = new SandboxWebSocket(url);
        run.sockets.push(socket);
        return socket;
      },
      terminate: () => {
        run.terminated++;
      },
      customData: () => customData,
      callPSTN: (number: string, callerId: string) => {
        const call = new SandboxCall(`pstn-${run.placed.length + 1}`, calleeAudio);
        run.calls.push(call);
        run.placed.push({ call, number, callerId });
        return call;
      },
    },
    Net: {
      async httpRequestAsync(url: string, options: { method?: string; postData?: string; headers?: string[] }) {
        const headers = Object.fromEntries(
          (options.headers ?? []).map((line) => [
            line.slice(0, line.indexOf(':')),
            line.slice(line.indexOf(':') + 1).trim(),
          ]),
        );
        const response = await fetch(url, { method: options.method ?? 'GET', headers, body: options.postData });
        return { code: response.status, text: await response.text() };
      },
    },
    Crypto: { hmac_sha256: (key: string, data: string) => createHmac('sha256', key).update(data).digest('hex') },
    Logger: { write: (text: string) => run.log.push(String(text)) },
  };
  runInNewContext(source, context, { filename: 'speaknode.voxengine.js' });
  return run;
}
