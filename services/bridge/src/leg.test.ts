import type { CallSummary } from '@speaknode/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ControlClient } from './control-client.ts';
import { DEFAULT_LEG_SETTINGS, PhoneLeg, payloadProblem } from './leg.ts';
import { BridgeMetrics } from './metrics.ts';
import { type MemoryAgentContext, MemoryRoomConnector } from './room/memory-room.ts';

const callId = '3b0f6f2e-8a51-4c1e-9d3a-1f2e3d4c5b6a';
const call: CallSummary = {
  callId,
  spaceId: '7d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a',
  agentId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  channel: 'phone',
  status: 'in_progress',
  roomName: `call-${callId}`,
  fromNumber: '+14155550100',
  toNumber: '+14155550199',
  provider: 'twilio',
};
const control = {
  getCall: async () => call,
  participantToken: async () => ({ callId, serverUrl: 'ws://lk', token: 't' }),
} as unknown as ControlClient;

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('PhoneLeg pacing', () => {
  it('sends agent audio on an exact 20 ms grid: late timers never turn into drift over an hour', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    // Fake timers fire exactly on time; real ones do not. Every timer here fires 0 to 3 ms late.
    const onTime = globalThis.setTimeout;
    let seed = 1;
    const lateness = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed / 2147483648) * 3;
    };
    vi.stubGlobal('setTimeout', (fn: () => void, ms?: number) => onTime(fn, (ms ?? 0) + lateness()));
    let agent: MemoryAgentContext | undefined;
    const rooms = new MemoryRoomConnector({
      agent: () => ({
        start: (context) => {
          agent = context;
        },
        onCallerAudio() {},
        stop() {},
      }),
    });
    const sent: number[] = [];
    const marks: string[] = [];
    const sizes = new Set<number>();
    const leg = new PhoneLeg(
      'twilio',
      callId,
      { codec: 'mulaw', sampleRate: 8000 },
      {
        sendMedia: (payload) => {
          sent.push(performance.now());
          sizes.add(payload.length);
        },
        sendClear() {},
        hangUp() {},
        sendMark: (name) => {
          // Twilio confirms at once here, so the unconfirmed-audio brake never engages.
          marks.push(name);
        },
      },
      { control, rooms, metrics: new BridgeMetrics(), settings: DEFAULT_LEG_SETTINGS },
    );
    await leg.begin();
    expect(leg.state).toBe('active');
    const frame = Int16Array.from({ length: 960 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
    // One hour of agent audio arriving in bursts (1 s at first, then 500 ms of it every 500 ms), so
    // the bridge always holds a backlog and its grid alone decides when frames leave.
    const arrivesAt = (a: number) => (a < 50 ? 0 : (Math.floor((a - 50) / 25) + 1) * 500);
    const frames = 180_000;
    let arrived = 0;
    for (let t = 0; arrived < frames || t < frames * 20 + 1000; t += 3) {
      while (arrived < frames && arrivesAt(arrived) <= t) {
        agent?.say(frame);
        arrived++;
      }
      for (const name of marks.splice(0)) expect(leg.markPlayed(name)).toBe(true);
      vi.advanceTimersByTime(3);
    }
    expect(sizes).toEqual(new Set([160]));
    // Every frame that arrived went out (none dropped, none invented).
    expect(sent.length).toBe(frames);
    // The first tick fills Twilio's buffer with what gathered during the jitter delay; from then on
    // frame k leaves within 3 ms of slot k of the grid, at the end of the hour as at its start.
    const settled = 5;
    const first = sent[settled] as number;
    let worst = 0;
    for (let k = settled; k < sent.length; k++) {
      worst = Math.max(worst, Math.abs((sent[k] as number) - first - 20 * (k - settled)));
    }
    expect(worst).toBeLessThanOrEqual(3);
    expect((sent.at(-1) as number) - first).toBeCloseTo(20 * (frames - 1 - settled), -1);
    leg.end('caller_hangup', 1000, 'done', false);
  }, 60_000);
});

describe('PhoneLeg pacing with a jittery agent', () => {
  it('sends one frame per slot: a frame that misses its slot goes one slot later, never as a double send', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    let agent: MemoryAgentContext | undefined;
    const rooms = new MemoryRoomConnector({
      agent: () => ({
        start: (context) => {
          agent = context;
        },
        onCallerAudio() {},
        stop() {},
      }),
    });
    const sent: number[] = [];
    const marks: string[] = [];
    const leg = new PhoneLeg(
      'twilio',
      callId,
      { codec: 'mulaw', sampleRate: 8000 },
      {
        sendMedia: () => sent.push(performance.now()),
        sendClear() {},
        hangUp() {},
        sendMark: (name) => marks.push(name),
      },
      { control, rooms, metrics: new BridgeMetrics(), settings: DEFAULT_LEG_SETTINGS },
    );
    await leg.begin();
    const frame = new Int16Array(960).fill(3000);
    // The agent's frames come every 20 ms on its own clock, each 0–30 ms late (network, event loop),
    // so now and then one arrives after the bridge's slot for it: where the double sends came from.
    let seed = 7;
    const jitter = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed / 2147483648) * 30;
    };
    const frames = 3000;
    const arrivals = Array.from({ length: frames }, (_, k) => k * 20 + jitter()).sort((a, b) => a - b);
    let next = 0;
    for (let t = 0; t < frames * 20 + 500; t += 1) {
      while (next < frames && (arrivals[next] as number) <= t) {
        agent?.say(frame);
        next++;
      }
      for (const name of marks.splice(0)) leg.markPlayed(name);
      vi.advanceTimersByTime(1);
    }
    expect(sent.length).toBe(frames);
    // After the first tick (which fills Twilio's buffer with what gathered in the jitter delay),
    // frames leave exactly one per 20 ms slot.
    const firstTickFrames = sent.filter((at) => at === sent[0]).length;
    const intervals = sent.slice(firstTickFrames).map((at, k, rest) => (k === 0 ? 20 : at - (rest[k - 1] as number)));
    expect(Math.min(...intervals)).toBeGreaterThanOrEqual(19);
    leg.end('caller_hangup', 1000, 'done', false);
  });
});

describe('PhoneLeg caller audio while joining', () => {
  it('keeps what the caller says before the room is joined, then works the delay off in their pauses', async () => {
    const rooms = new MemoryRoomConnector({
      agent: () => ({ start: (c) => c.setState('listening'), onCallerAudio() {}, stop() {} }),
      // Longer than the 240 ms the caller talks before the test waits for the join.
      joinDelayMs: 400,
    });
    const metrics = new BridgeMetrics();
    const leg = new PhoneLeg(
      'twilio',
      callId,
      { codec: 'mulaw', sampleRate: 8000 },
      { sendMedia() {}, sendClear() {}, hangUp() {} },
      { control, rooms, metrics, settings: { ...DEFAULT_LEG_SETTINGS, joinBufferMs: 200 } },
    );
    const joined = leg.begin();
    // A tone (speech-loud) and line silence, 20 ms a payload.
    const loud = new Uint8Array(160).map((_, i) => (i % 2 ? 0x10 : 0x90));
    const quiet = new Uint8Array(160).fill(0xff);
    let sentAt = performance.now();
    const pace = async (payload: Uint8Array, count: number) => {
      for (let i = 0; i < count; i++) {
        sentAt += 20;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, sentAt - performance.now())));
        expect(leg.media(payload)).toBe(true);
      }
    };
    // 12 payloads while joining (240 ms): the buffer keeps 200 ms of them.
    await pace(loud, 12);
    expect(leg.state).toBe('joining');
    await joined;
    const room = rooms.room(`phone-${callId}`);
    expect(leg.state).toBe('active');
    const dropped = (reason: string) => metrics.value('bridge_media_dropped_total', { provider: 'twilio', reason });
    // Everything heard while joining went in, up to the buffer's bound.
    const delivered = room?.callerFrames ?? 0;
    expect(delivered).toBe(10);
    expect(dropped('joining')).toBe(2);
    // Speech is never skipped to catch up...
    await pace(loud, 5);
    expect(room?.callerFrames).toBe(delivered + 5);
    // ...silence is, until the 10 buffered frames are worked off; then every frame goes in again.
    await pace(quiet, 15);
    expect(dropped('catch_up')).toBe(10);
    expect(room?.callerFrames).toBe(delivered + 5 + 5);
    leg.end('caller_hangup', 1000, 'done', false);
  });
});

describe('payloadProblem', () => {
  it('accepts whole 10 ms multiples up to 200 ms and names what is wrong otherwise', () => {
    const mulaw = { codec: 'mulaw', sampleRate: 8000 } as const;
    const pcm16k = { codec: 'pcm16', sampleRate: 16000 } as const;
    expect(payloadProblem(mulaw, 160)).toBeUndefined();
    expect(payloadProblem(mulaw, 80)).toBeUndefined();
    expect(payloadProblem(mulaw, 1600)).toBeUndefined();
    expect(payloadProblem(mulaw, 0)).toBe('empty payload');
    expect(payloadProblem(mulaw, 100)).toMatch(/not a multiple of 10 ms/);
    expect(payloadProblem(mulaw, 1680)).toMatch(/longer than 200 ms/);
    expect(payloadProblem(pcm16k, 640)).toBeUndefined();
    expect(payloadProblem(pcm16k, 641)).toMatch(/not a whole number of samples/);
    expect(payloadProblem(pcm16k, 320)).toBeUndefined();
    expect(payloadProblem(pcm16k, 330)).toMatch(/not a multiple of 10 ms/);
  });
});
