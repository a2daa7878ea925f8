import { signStreamToken } from '@speaknode/contracts/node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ALAW_TO_LINEAR, MULAW_TO_LINEAR } from '../audio/g711.ts';
import { TalkingAgent } from '../room/memory-room.ts';
import { type Harness, startHarness, until } from '../testing/harness.ts';
import { bestCorrelation, type SpeechFixture, speech } from '../testing/speech.ts';
import { voxFormat } from './voximplant.ts';

let hello: SpeechFixture;
let harness: Harness | undefined;
const sockets: VoxClient[] = [];

beforeAll(() => {
  hello = speech('Good morning, I am calling about my order.');
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.socket.close();
  await harness?.close();
  harness = undefined;
});

interface MediaSection {
  tag?: string;
  chunk: number;
  timestamp: number;
  payload: string;
}

interface Message {
  event?: string;
  customEvent?: string;
  tag?: string;
  code?: number;
  reason?: string;
  start?: { tag?: string; mediaFormat: { encoding: string; sampleRate: number } };
  media?: MediaSection;
  stop?: { tag?: string; mediaInfo: { bytesSent: number; duration: number } };
}

/** VoxImplant's side of the WebSocket media format, as its "Media Stream format" guide shows it. */
class VoxClient {
  readonly socket: WebSocket;
  readonly messages: Message[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private sequence = 0;
  private readonly chunks = new Map<string, number>();

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve) => this.socket.once('open', () => resolve()));
    this.closed = new Promise((resolve) =>
      this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.socket.on('message', (data) => this.messages.push(JSON.parse(data.toString())));
    this.socket.on('error', () => {});
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  start(encoding: string, sampleRate: number | undefined, customParameters: unknown, tag?: string): void {
    this.send({
      event: 'start',
      sequenceNumber: this.sequence++,
      start: {
        ...(tag ? { tag } : {}),
        mediaFormat: { encoding, ...(sampleRate ? { sampleRate } : {}) },
        customParameters,
      },
    });
  }

  media(payload: Uint8Array, bytesPerSample: number, tag?: string): void {
    const key = tag ?? '';
    const chunk = this.chunks.get(key) ?? 0;
    this.chunks.set(key, chunk + 1);
    this.send({
      event: 'media',
      sequenceNumber: this.sequence++,
      media: {
        ...(tag ? { tag } : {}),
        chunk,
        timestamp: (chunk * payload.length) / bytesPerSample,
        payload: Buffer.from(payload).toString('base64'),
      },
    });
  }

  /** Stream `audio` in 20 ms chunks in real time. */
  async stream(audio: Uint8Array, frameBytes: number, bytesPerSample: number, tag?: string): Promise<void> {
    const start = performance.now();
    for (let i = 0, n = 0; i + frameBytes <= audio.length; i += frameBytes, n++) {
      const wait = start + n * 20 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.media(audio.subarray(i, i + frameBytes), bytesPerSample, tag);
    }
  }

  stop(tag?: string): void {
    this.send({
      event: 'stop',
      sequenceNumber: this.sequence++,
      stop: { ...(tag ? { tag } : {}), mediaInfo: { bytesSent: 0, duration: 0 } },
    });
  }

  media_for(tag?: string): MediaSection[] {
    return this.messages.flatMap((m) => (m.event === 'media' && m.media && m.media.tag === tag ? [m.media] : []));
  }
}

async function open(h: Harness): Promise<VoxClient> {
  const client = new VoxClient(`${h.ws}/voximplant`);
  sockets.push(client);
  await client.opened;
  return client;
}

function pcm16(bytes: Buffer | Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2)
    out.push((((bytes[i] as number) | ((bytes[i + 1] as number) << 8)) << 16) >> 16);
  return out;
}

describe('VoxImplant media format', () => {
  it('maps encodings as WebSocketAudioEncoding names them', () => {
    expect(voxFormat('PCM16', undefined)).toEqual({ codec: 'pcm16', sampleRate: 16000 });
    expect(voxFormat('PCM16', 8000)).toEqual({ codec: 'pcm16', sampleRate: 8000 });
    expect(voxFormat('PCM8', undefined)).toEqual({ codec: 'pcm16', sampleRate: 8000 });
    expect(voxFormat('ULAW', 8000)).toEqual({ codec: 'mulaw', sampleRate: 8000 });
    expect(voxFormat('audio/x-alaw', undefined)).toEqual({ codec: 'alaw', sampleRate: 8000 });
    expect(voxFormat('ULAW', 16000)).toBe('mu-law at 16000 Hz');
    expect(voxFormat('OPUS', 48000)).toBe('encoding OPUS');
  });

  it('carries a PCM16 16 kHz stream into the room and the agent back, with customParameters as a JSON string', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall({ provider: 'voximplant' });
    const client = await open(harness);
    client.start('PCM16', 16000, JSON.stringify({ callId }));
    await until(() => harness?.rooms.room(`phone-${callId}`), 'the join');
    expect(harness.rooms.room(`phone-${callId}`)?.join.attributes['speaknode.provider']).toBe('voximplant');
    await client.stream(hello.pcm16k, 640, 2);
    await client.stream(new Uint8Array(640 * 15), 640, 2);
    await until(() => client.media_for(undefined).length * 320 >= hello.pcm16k.length / 2, 'the echo');

    const start = client.messages.find((m) => m.event === 'start');
    expect(start).toMatchObject({ event: 'start', start: { mediaFormat: { encoding: 'PCM16', sampleRate: 16000 } } });
    const media = client.media_for(undefined);
    media.forEach((m, i) => {
      expect(m.chunk).toBe(i);
      expect(m.timestamp).toBe(i * 320);
      expect(Buffer.from(m.payload, 'base64').length).toBe(640);
    });
    const heard = media.flatMap((m) => pcm16(Buffer.from(m.payload, 'base64')));
    expect(bestCorrelation(pcm16(hello.pcm16k), heard, 16000).r).toBeGreaterThan(0.9);

    client.stop();
    expect(await client.closed).toEqual({ code: 1000, reason: 'all streams stopped' });
    expect(harness.rooms.room(`phone-${callId}`)?.closed).toBe(true);
  });

  it.each([
    ['ULAW', 'mulaw8k', MULAW_TO_LINEAR],
    ['ALAW', 'alaw8k', ALAW_TO_LINEAR],
  ] as const)('carries %s at 8 kHz both ways', async (encoding, fixture, table) => {
    harness = await startHarness();
    const callId = harness.control.addCall({ provider: 'voximplant' });
    const client = await open(harness);
    client.start(encoding, 8000, { callId });
    await until(() => harness?.rooms.room(`phone-${callId}`), 'the join');
    await client.stream(hello[fixture], 160, 1);
    await client.stream(new Uint8Array(160 * 15).fill(encoding === 'ULAW' ? 0xff : 0xd5), 160, 1);
    await until(() => client.media_for(undefined).length * 160 >= hello[fixture].length, 'the echo');
    expect(client.messages.find((m) => m.event === 'start')?.start?.mediaFormat).toEqual({
      encoding,
      sampleRate: 8000,
    });
    const heard = client
      .media_for(undefined)
      .flatMap((m) => Array.from(Buffer.from(m.payload, 'base64'), (c) => table[c] as number));
    const sent = Array.from(hello[fixture], (c) => table[c] as number);
    expect(bestCorrelation(sent, heard, 8000).r).toBeGreaterThan(0.9);
  });

  it('runs several tagged streams on one socket, each its own leg, answered under its own tag', async () => {
    harness = await startHarness();
    // A tag that needs escaping in JSON: the bridge words its media messages by hand.
    const calleeTag = 'callee "b"\\';
    const first = harness.control.addCall({ provider: 'voximplant' });
    const second = harness.control.addCall({ provider: 'voximplant' });
    const client = await open(harness);
    client.start('PCM8', 8000, { callId: first }, 'caller');
    client.start('ULAW', 8000, { callId: second }, calleeTag);
    await until(() => harness?.rooms.room(`phone-${first}`) && harness.rooms.room(`phone-${second}`), 'both joins');
    await until(() => harness?.metrics.active === 2, 'two legs');
    await Promise.all([
      client.stream(new Uint8Array(320 * 10).fill(1), 320, 2, 'caller'),
      client.stream(new Uint8Array(160 * 10).fill(0xff), 160, 1, calleeTag),
    ]);
    await until(
      () => client.media_for('caller').length > 0 && client.media_for(calleeTag).length > 0,
      'audio for both tags',
    );
    await until(() => harness?.rooms.room(`phone-${first}`)?.callerFrames === 10, 'ten frames in the first room');
    await until(() => harness?.rooms.room(`phone-${second}`)?.callerFrames === 10, 'ten frames in the second room');
    const starts = client.messages.filter((m) => m.event === 'start');
    expect(starts.map((m) => [m.start?.tag, m.start?.mediaFormat.encoding]).sort()).toEqual([
      [calleeTag, 'ULAW'],
      ['caller', 'PCM8'],
    ]);
    for (const m of client.media_for('caller')) expect(Buffer.from(m.payload, 'base64').length).toBe(320);
    const callerMedia = client.media_for('caller');
    expect(callerMedia.map((m) => [m.chunk, m.timestamp])).toEqual(callerMedia.map((_, k) => [k, k * 160]));
    for (const m of client.media_for(calleeTag)) expect(Buffer.from(m.payload, 'base64').length).toBe(160);

    client.stop('caller');
    await until(() => harness?.rooms.room(`phone-${first}`)?.closed, 'the first leg to end');
    // The bridge ends its own stream under that tag too.
    await until(
      () => client.messages.find((m) => m.event === 'stop' && m.stop?.tag === 'caller'),
      'a stop for the tag',
    );
    expect(harness.rooms.room(`phone-${second}`)?.closed).toBe(false);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.stop(calleeTag);
    expect(await client.closed).toEqual({ code: 1000, reason: 'all streams stopped' });
  });

  it('reports a failed stream in words and keeps the others running', async () => {
    harness = await startHarness();
    const good = harness.control.addCall({ provider: 'voximplant' });
    const client = await open(harness);
    client.start('PCM8', 8000, { callId: good }, 'a');
    await until(() => harness?.metrics.active === 1, 'the first leg');
    client.start('PCM8', 8000, { callId: '6a1b1d52-9c7e-4a43-9a51-6b0c4f1e2d3a' }, 'b');
    await until(() => client.messages.find((m) => m.customEvent === 'error'), 'the error message');
    expect(client.messages.find((m) => m.customEvent === 'error')).toEqual({
      customEvent: 'error',
      tag: 'b',
      code: 1008,
      reason: 'unknown call 6a1b1d52-9c7e-4a43-9a51-6b0c4f1e2d3a',
    });
    expect(harness.metrics.active).toBe(1);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('takes DTMF forwarded by the scenario as a custom message', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall({ provider: 'voximplant' });
    const client = await open(harness);
    client.start('PCM16', 16000, { callId }, 't');
    await until(() => harness?.rooms.room(`phone-${callId}`), 'the join');
    client.send({ customEvent: 'dtmf', tag: 't', digit: '4' });
    client.send({ customEvent: 'dtmf', tag: 't', digit: 'no' });
    await until(() => harness?.rooms.room(`phone-${callId}`)?.dtmf.length, 'the digit');
    expect(harness.rooms.room(`phone-${callId}`)?.dtmf).toEqual(['4']);
    expect(harness.metrics.value('bridge_input_rejected_total', { provider: 'voximplant', reason: 'bad_dtmf' })).toBe(
      1,
    );
  });

  it('stops the stream and closes when the agent leaves', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall({ provider: 'voximplant' });
    const client = await open(harness);
    client.start('PCM16', 16000, { callId });
    await until(() => harness?.rooms.room(`phone-${callId}`), 'the join');
    await client.stream(new Uint8Array(640 * 5).fill(3), 640, 2);
    await until(() => client.media_for(undefined).length > 0, 'agent audio');
    harness.rooms.room(`phone-${callId}`)?.agentLeaves();
    expect(await client.closed).toEqual({ code: 1000, reason: 'the agent ended the call' });
    const stop = client.messages.find((m) => m.event === 'stop');
    expect(stop?.stop?.mediaInfo.bytesSent).toBe(client.media_for(undefined).length * 640);
  });

  it('asks the scenario to clear its buffer on barge-in', async () => {
    harness = await startHarness({ agent: () => new TalkingAgent({ speech: hello.pcm48k, bargeInRms: 1000 }) });
    const callId = harness.control.addCall({ provider: 'voximplant' });
    const client = await open(harness);
    client.start('PCM16', 16000, { callId });
    await until(() => harness?.rooms.room(`phone-${callId}`), 'the join');
    await client.stream(new Uint8Array(640 * 25), 640, 2);
    await client.stream(hello.pcm16k.subarray(0, 640 * 25), 640, 2);
    await until(() => client.messages.find((m) => m.customEvent === 'clear'), 'the clear message');
  });

  it('closes on bad starts: unsupported encoding 1003, a repeated tag 1008, too many streams 1008', async () => {
    harness = await startHarness();
    const opus = await open(harness);
    opus.start('OPUS', 48000, { callId: harness.control.addCall({ provider: 'voximplant' }) });
    expect(await opus.closed).toEqual({ code: 1003, reason: 'unsupported media format: encoding OPUS' });

    const repeated = await open(harness);
    const callId = harness.control.addCall({ provider: 'voximplant' });
    repeated.start('PCM8', 8000, { callId }, 'x');
    repeated.start('PCM8', 8000, { callId }, 'x');
    expect(await repeated.closed).toEqual({ code: 1008, reason: 'a second start for stream "x" while it is running' });

    const many = await open(harness);
    for (let i = 0; i < 5; i++)
      many.start('PCM8', 8000, { callId: harness.control.addCall({ provider: 'voximplant' }) }, `s${i}`);
    expect(await many.closed).toEqual({ code: 1008, reason: 'more than 4 streams on one socket' });

    const noCall = await open(harness);
    noCall.start('PCM8', 8000, '{not json');
    expect(await noCall.closed).toEqual({ code: 1008, reason: 'start has no valid callId in customParameters' });
    await until(() => harness?.metrics.active === 0, 'every leg to end');
  });

  it('with a stream secret, takes a stream whose customParameters carry a valid token and closes 1008 otherwise', async () => {
    const secret = 'stream-secret-for-tests-0123456789abcdef';
    harness = await startHarness({ streamSecret: secret });
    const callId = harness.control.addCall({ provider: 'voximplant' });
    const unsigned = await open(harness);
    unsigned.start('PCM16', 16000, JSON.stringify({ callId }), 'caller');
    expect(await unsigned.closed).toEqual({ code: 1008, reason: 'stream token missing' });
    const signed = await open(harness);
    // As the scenario sends them: a JSON string with the id and token the receiver answered.
    signed.start('PCM16', 16000, JSON.stringify({ callId, streamToken: signStreamToken(secret, callId) }), 'caller');
    const room = await until(() => harness?.rooms.room(`phone-${callId}`), 'the room join');
    expect(room.closed).toBe(false);
    expect(
      harness.metrics.value('bridge_input_rejected_total', { provider: 'voximplant', reason: 'unauthenticated' }),
    ).toBe(1);
  });

  it('ignores and counts media for a tag that never started', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall({ provider: 'voximplant' });
    const client = await open(harness);
    client.start('PCM8', 8000, { callId }, 'known');
    await until(() => harness?.rooms.room(`phone-${callId}`), 'the join');
    client.media(new Uint8Array(320), 2, 'unknown');
    client.media(new Uint8Array(321), 2, 'known');
    await until(
      () =>
        harness?.metrics.value('bridge_input_rejected_total', { provider: 'voximplant', reason: 'bad_payload_size' }),
      'the odd payload to be counted',
    );
    expect(
      harness.metrics.value('bridge_input_rejected_total', { provider: 'voximplant', reason: 'media_before_start' }),
    ).toBe(1);
  });
});
