import { signStreamToken } from '@speaknode/contracts/node';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TalkingAgent } from '../room/memory-room.ts';
import { type Harness, startHarness, until } from '../testing/harness.ts';
import { TwilioTestClient } from '../testing/twilio-client.ts';

let harness: Harness | undefined;
const clients: TwilioTestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

const rejected = (reason: string) =>
  harness?.metrics.value('bridge_input_rejected_total', { provider: 'twilio', reason }) ?? 0;

async function open(h: Harness): Promise<TwilioTestClient> {
  const client = new TwilioTestClient(`${h.ws}/twilio`);
  clients.push(client);
  await client.opened;
  return client;
}

async function started(h: Harness): Promise<{ client: TwilioTestClient; callId: string }> {
  const callId = h.control.addCall();
  const client = await open(h);
  client.connected();
  client.start({ callId });
  await until(() => h.rooms.room(`phone-${callId}`), 'the room join');
  await until(() => h.metrics.active === 1, 'the leg to be active');
  return { client, callId };
}

/** A message the server must have handled: a DTMF digit that shows up in the room afterwards. */
async function roundTrip(h: Harness, client: TwilioTestClient, callId: string, digit: string): Promise<void> {
  client.dtmf(digit);
  await until(() => h.rooms.room(`phone-${callId}`)?.dtmf.includes(digit), `digit ${digit} in the room`);
}

describe('bad input on the Twilio socket', () => {
  it('ignores and counts invalid JSON, non-objects and unknown events, and keeps the call', async () => {
    harness = await startHarness();
    const { client, callId } = await started(harness);
    client.sendRaw('{"event": "media", ');
    client.sendRaw('[1,2,3]');
    client.sendRaw('"just a string"');
    client.send({ event: 'transcription', text: 'hello' });
    client.send({ noEvent: true });
    await roundTrip(harness, client, callId, '1');
    expect(rejected('invalid_json')).toBe(1);
    expect(rejected('invalid_message')).toBe(3);
    expect(rejected('unknown_event')).toBe(1);
    expect(harness.metrics.active).toBe(1);
  });

  it('ignores and counts bad base64 and payloads of the wrong size', async () => {
    harness = await startHarness();
    const { client, callId } = await started(harness);
    const room = harness.rooms.room(`phone-${callId}`);
    const media = (payload: string) =>
      client.send({ event: 'media', streamSid: client.streamSid, media: { track: 'inbound', payload } });
    media('!!!not base64!!!');
    media('AAA'); // not a multiple of 4
    media(''); // empty
    media(Buffer.alloc(100).toString('base64')); // 12.5 ms: not a multiple of 10 ms
    media(Buffer.alloc(1601 * 2).toString('base64')); // over 200 ms
    media(Buffer.alloc(160).toString('base64')); // fine
    await roundTrip(harness, client, callId, '2');
    expect(rejected('bad_base64')).toBe(3);
    expect(rejected('bad_payload_size')).toBe(2);
    expect(room?.callerFrames).toBe(1);
  });

  it('ignores and counts media, DTMF, marks and stop before start', async () => {
    harness = await startHarness();
    const client = await open(harness);
    client.connected();
    client.media(new Uint8Array(160));
    client.dtmf('5');
    client.send({ event: 'mark', streamSid: client.streamSid, mark: { name: 'm1' } });
    client.stop();
    const callId = harness.control.addCall();
    client.start({ callId });
    await until(() => harness?.rooms.room(`phone-${callId}`), 'the join');
    expect(rejected('media_before_start')).toBe(4);
    // The early stop did not end the stream: the call goes on.
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    expect(harness.metrics.active).toBe(1);
    expect(harness.rooms.room(`phone-${callId}`)?.callerFrames).toBe(0);
  });

  it('closes 1007 after too many malformed messages', async () => {
    harness = await startHarness();
    const { client } = await started(harness);
    for (let i = 0; i < 21; i++) client.sendRaw(`not json ${i}`);
    expect(await client.closed).toEqual({ code: 1007, reason: 'more than 20 malformed messages' });
    await until(() => harness?.metrics.active === 0, 'the leg to end');
  });

  it('closes 1008 on a second start', async () => {
    harness = await startHarness();
    const { client, callId } = await started(harness);
    client.start({ callId });
    expect(await client.closed).toEqual({ code: 1008, reason: 'a second start on one stream' });
    expect(rejected('second_start')).toBe(1);
    expect(harness.rooms.room(`phone-${callId}`)?.closed).toBe(true);
  });

  it('closes 1008 for a start without a usable callId, and 1003 for a format Twilio never sends', async () => {
    harness = await startHarness();
    const noCall = await open(harness);
    noCall.start({ somethingElse: 'x' });
    expect(await noCall.closed).toEqual({ code: 1008, reason: 'start has no valid callId parameter' });
    const notUuid = await open(harness);
    notUuid.start({ callId: "1' OR '1'='1" });
    expect((await notUuid.closed).code).toBe(1008);
    const malformed = await open(harness);
    malformed.send({ event: 'start', start: { customParameters: 'nope' } });
    expect(await malformed.closed).toEqual({
      code: 1008,
      reason: 'start message does not match the Media Streams protocol',
    });
    const wrongFormat = await open(harness);
    wrongFormat.send({
      event: 'start',
      start: {
        streamSid: 'MZ1',
        customParameters: { callId: harness.control.addCall() },
        mediaFormat: { encoding: 'audio/x-l16', sampleRate: 16000, channels: 1 },
      },
    });
    expect(await wrongFormat.closed).toEqual({ code: 1003, reason: 'unsupported media format audio/x-l16 16000 Hz' });
    expect(harness.metrics.active).toBe(0);
  });

  it('with a stream secret, closes 1008 for a missing, forged, expired or borrowed stream token', async () => {
    const secret = 'stream-secret-for-tests-0123456789abcdef';
    harness = await startHarness({ streamSecret: secret });
    const callId = harness.control.addCall();
    const otherCall = harness.control.addCall();
    const cases: [Record<string, string>, string][] = [
      [{ callId }, 'stream token missing'],
      [{ callId, streamToken: 'v1.99999999999.forged' }, 'stream token invalid'],
      [{ callId, streamToken: signStreamToken(`${secret}-other`, callId) }, 'stream token invalid'],
      [{ callId, streamToken: signStreamToken(secret, otherCall) }, 'stream token invalid'],
      [{ callId, streamToken: signStreamToken(secret, callId, Date.now() - 3_600_000) }, 'stream token expired'],
    ];
    for (const [parameters, reason] of cases) {
      const client = await open(harness);
      client.connected();
      client.start(parameters);
      expect(await client.closed).toEqual({ code: 1008, reason });
    }
    expect(rejected('unauthenticated')).toBe(cases.length);
    // Nothing reached control or a room.
    expect(harness.control.requests.filter((r) => r.path.includes('/calls/'))).toEqual([]);
    expect(harness.rooms.room(`phone-${callId}`)).toBeUndefined();

    const client = await open(harness);
    client.connected();
    client.start({ callId, streamToken: signStreamToken(secret, callId) });
    const room = await until(() => harness?.rooms.room(`phone-${callId}`), 'the room join with a valid token');
    expect(room.closed).toBe(false);
  });

  it('closes 1003 on a binary frame', async () => {
    harness = await startHarness();
    const { client } = await started(harness);
    client.sendRaw(Buffer.alloc(160), true);
    expect(await client.closed).toEqual({
      code: 1003,
      reason: 'binary frames are not part of this protocol; send JSON text',
    });
  });

  it('closes 1009 on a message larger than 64 KiB', async () => {
    harness = await startHarness();
    const { client } = await started(harness);
    client.sendRaw(JSON.stringify({ event: 'media', media: { payload: 'A'.repeat(70_000) } }));
    expect((await client.closed).code).toBe(1009);
    await until(() => harness?.metrics.active === 0, 'the leg to end');
  });

  it('drops media that runs ahead of real time, then closes 1008 when the flood goes on', async () => {
    harness = await startHarness();
    const { client, callId } = await started(harness);
    const room = harness.rooms.room(`phone-${callId}`);
    // 8 s of audio at once: 1 s (plus elapsed time) is let through, then 5 s more is dropped and the socket closed.
    for (let i = 0; i < 400; i++) client.media(new Uint8Array(160).fill(0xff));
    expect(await client.closed).toEqual({ code: 1008, reason: 'media arrives faster than real time' });
    expect(rejected('flood')).toBeGreaterThan(250);
    expect(room?.callerFrames).toBeGreaterThanOrEqual(50);
    expect(room?.callerFrames).toBeLessThan(70);
    expect(room?.closed).toBe(true);
  });

  it('drops a burst after a stall but keeps the call', async () => {
    harness = await startHarness();
    const { client, callId } = await started(harness);
    // 3 s of audio at once (as after a network stall): what is more than 1 s ahead is dropped, the call goes on.
    for (let i = 0; i < 150; i++) client.media(new Uint8Array(160).fill(0xff));
    await roundTrip(harness, client, callId, '8');
    expect(rejected('flood')).toBeGreaterThan(50);
    expect(harness.metrics.active).toBe(1);
  });

  it('closes 1008 when more than 400 messages arrive in a second', async () => {
    harness = await startHarness();
    const { client } = await started(harness);
    for (let i = 0; i < 450; i++) client.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(await client.closed).toEqual({ code: 1008, reason: 'too many messages per second' });
  });

  it('closes 1008 when no start arrives in time', async () => {
    harness = await startHarness({ limits: { startTimeoutMs: 200 } });
    const client = await open(harness);
    client.connected();
    expect(await client.closed).toEqual({ code: 1008, reason: 'no start message within 0.2 s' });
  });

  it('ignores DTMF that is not a digit and marks it never sent', async () => {
    harness = await startHarness();
    const { client, callId } = await started(harness);
    client.send({ event: 'dtmf', streamSid: client.streamSid, dtmf: { track: 'inbound_track', digit: 'X' } });
    client.send({ event: 'dtmf', streamSid: client.streamSid, dtmf: { track: 'inbound_track', digit: '12' } });
    client.send({ event: 'mark', streamSid: client.streamSid, mark: { name: 'not-ours' } });
    await roundTrip(harness, client, callId, '3');
    expect(harness.rooms.room(`phone-${callId}`)?.dtmf).toEqual(['3']);
    expect(rejected('bad_dtmf')).toBe(2);
    expect(rejected('unknown_mark')).toBe(1);
  });

  it('keeps buffering bounded when Twilio stops confirming playback', async () => {
    const speech = new Int16Array(48000 * 5).map((_, i) => Math.round(5000 * Math.sin(i / 10)));
    harness = await startHarness({ agent: () => new TalkingAgent({ speech }) });
    const callId = harness.control.addCall();
    const client = await open(harness);
    client.returnMarks = false;
    client.start({ callId });
    await until(() => harness?.rooms.room(`phone-${callId}`), 'the join');
    // The bridge stops sending after 1.1 s of unconfirmed audio, then holds at most 1 s and drops the oldest.
    await until(
      () => harness?.metrics.value('bridge_outbound_dropped_total', { provider: 'twilio' }),
      'the first dropped frame',
      8000,
    );
    expect(client.received.length).toBeLessThanOrEqual((100 + 1000) / 20 + 1);
    expect(harness.metrics.active).toBe(1);
  });

  it('answers 404 for other WebSocket paths and HTTP routes', async () => {
    harness = await startHarness();
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${harness?.ws}/somewhere`);
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('error', () => {});
    });
    expect(status).toBe(404);
    const res = await fetch(`${harness.http}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('keeps serving other calls while one socket misbehaves', async () => {
    harness = await startHarness();
    const good = await started(harness);
    const bad = await open(harness);
    bad.sendRaw(Buffer.alloc(10), true);
    await bad.closed;
    await roundTrip(harness, good.client, good.callId, '7');
    expect(harness.metrics.active).toBe(1);
  });
});
