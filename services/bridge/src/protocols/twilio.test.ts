import { InternalPaths } from '@speaknode/contracts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MULAW_TO_LINEAR } from '../audio/g711.ts';
import { echoAgent, TalkingAgent } from '../room/memory-room.ts';
import { type Harness, maxQueuedMsAtProvider, startHarness, until } from '../testing/harness.ts';
import { bestCorrelation, rms, type SpeechFixture, speech } from '../testing/speech.ts';
import { TwilioTestClient } from '../testing/twilio-client.ts';

let hello: SpeechFixture;
let long: SpeechFixture;
let harness: Harness | undefined;
const clients: TwilioTestClient[] = [];

beforeAll(() => {
  hello = speech('Hello, I would like to book a table for two tonight.');
  long = speech(
    'Thank you for calling. Our opening hours are from nine in the morning until ten at night, every day of the week, including public holidays.',
  );
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

async function connect(h: Harness, callId: string): Promise<TwilioTestClient> {
  const client = new TwilioTestClient(`${h.ws}/twilio`);
  clients.push(client);
  await client.opened;
  client.connected();
  client.start({ callId, agentId: 'ignored-extra-parameter' });
  await until(() => h.rooms.room(`phone-${callId}`), 'the leg to join the room');
  return client;
}

describe('Twilio Media Streams leg', () => {
  it('joins the call room as the caller and plays the echo agent back, in exact 20 ms frames', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall();
    const client = await connect(harness, callId);
    const room = harness.rooms.room(`phone-${callId}`);
    expect(room?.join).toMatchObject({
      identity: `phone-${callId}`,
      roomName: `call-${callId}`,
      token: `lk-phone-${callId}`,
      attributes: {
        'speaknode.callId': callId,
        'speaknode.provider': 'twilio',
        'speaknode.callerNumber': '+14155550100',
        'speaknode.calledNumber': '+14155550199',
      },
    });
    // The token request went to control's documented path with a client-credentials token.
    const tokenRequest = harness.control.requests.find((r) => r.path === InternalPaths.participantToken(callId));
    expect(tokenRequest?.authorization).toMatch(/^Bearer svc-/);
    expect(tokenRequest?.body).toMatchObject({ identity: `phone-${callId}` });

    await client.speak(hello.mulaw8k);
    await client.silence(300);
    await until(() => client.played.length >= hello.mulaw8k.length, 'the echo to play back');

    // Every 20 ms message became exactly one 960-sample frame in the room.
    const messages = Math.floor(hello.mulaw8k.length / 160) + 15;
    await until(() => room?.callerFrames === messages, `${messages} caller frames in the room`);
    expect(room?.oddFrames).toBe(0);
    for (const frame of client.received) expect(frame.payload.length).toBe(160);
    // What the caller hears is what they said (8 kHz → 48 kHz → agent → 8 kHz), after the path's delay.
    const sent = Array.from(hello.mulaw8k, (c) => MULAW_TO_LINEAR[c] as number);
    const { r, lag } = bestCorrelation(sent, client.played, 8000);
    expect(r).toBeGreaterThan(0.9);
    expect(lag).toBeLessThan(4000);
    // Marks came back for played audio and the bridge knew every one of them.
    expect(client.marksReturned.length).toBeGreaterThan(5);
    expect(harness.metrics.value('bridge_input_rejected_total', { provider: 'twilio', reason: 'unknown_mark' })).toBe(
      0,
    );
  });

  it('puts DTMF from the caller into the room', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall();
    const client = await connect(harness, callId);
    for (const digit of ['1', '2', '#', '*', '9']) client.dtmf(digit);
    await until(() => harness?.rooms.room(`phone-${callId}`)?.dtmf.length === 5, 'five digits in the room');
    expect(harness.rooms.room(`phone-${callId}`)?.dtmf).toEqual(['1', '2', '#', '*', '9']);
    expect(harness.metrics.value('bridge_dtmf_total', { provider: 'twilio' })).toBe(5);
  });

  it('ends the leg cleanly on stop: room left, socket closed 1000, leg no longer counted', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall();
    const client = await connect(harness, callId);
    const ready = (await (await fetch(`${harness.http}/readyz`)).json()) as { legs: unknown };
    expect(ready.legs).toMatchObject({ active: 1, twilio: 1 });
    client.stop();
    expect(await client.closed).toEqual({ code: 1000, reason: 'stream stopped' });
    expect(harness.rooms.room(`phone-${callId}`)?.closed).toBe(true);
    expect(harness.metrics.active).toBe(0);
    const metrics = await (await fetch(`${harness.http}/metrics`)).text();
    expect(metrics).toContain('bridge_legs_active{provider="twilio"} 0');
    expect(metrics).toContain('bridge_legs_ended_total{provider="twilio",outcome="caller_hangup"} 1');
  });

  it('leaves the room when Twilio just closes the socket', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall();
    const client = await connect(harness, callId);
    client.close();
    await until(() => harness?.rooms.room(`phone-${callId}`)?.closed, 'the room to be left');
    await until(() => harness?.metrics.active === 0, 'the leg to end');
    expect(harness.metrics.value('bridge_legs_ended_total', { provider: 'twilio', outcome: 'socket_closed' })).toBe(1);
  });

  it('hangs up the phone leg when the agent leaves', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall();
    const client = await connect(harness, callId);
    harness.rooms.room(`phone-${callId}`)?.agentLeaves();
    expect(await client.closed).toEqual({ code: 1000, reason: 'the agent ended the call' });
    expect(harness.rooms.room(`phone-${callId}`)?.closed).toBe(true);
    expect(harness.metrics.active).toBe(0);
  });

  it('hangs up when no agent joins the room in time, but not while one is there', async () => {
    // An agent that never shows itself: no state, no audio (worker down, dispatch lost).
    const absent = { start() {}, onCallerAudio() {}, stop() {} };
    harness = await startHarness({
      agent: (join) => (join.identity.endsWith(waitedFor) ? absent : echoAgent()),
      settings: { agentJoinTimeoutMs: 300 },
    });
    const waitedFor = harness.control.addCall();
    const served = harness.control.addCall();
    const lonely = await connect(harness, waitedFor);
    const answered = await connect(harness, served);
    expect(await lonely.closed).toEqual({ code: 1000, reason: 'no agent joined the call' });
    expect(harness.metrics.value('bridge_legs_ended_total', { provider: 'twilio', outcome: 'no_agent' })).toBe(1);
    // The call with an agent outlives the timeout.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(answered.socket.readyState).toBe(WebSocket.OPEN);
    expect(harness.metrics.active).toBe(1);
  });

  it('hangs up when the room ends under the leg', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall();
    const client = await connect(harness, callId);
    harness.rooms.room(`phone-${callId}`)?.disconnect('ROOM_DELETED');
    const closed = await client.closed;
    expect(closed.code).toBe(1000);
    expect(closed.reason).toContain('ROOM_DELETED');
  });

  it('stops the agent within the provider queue when the caller interrupts it, and sends clear', async () => {
    let agent: TalkingAgent | undefined;
    harness = await startHarness({
      agent: () => {
        // Bursty delivery (200 ms at a time) so the bridge holds a backlog and its cap on Twilio's queue matters.
        agent = new TalkingAgent({ speech: long.pcm48k, bargeInRms: 1000, bargeInFrames: 3, framesPerTick: 10 });
        return agent;
      },
    });
    const callId = harness.control.addCall();
    const client = await connect(harness, callId);
    // Listen to the agent for a while (silence from the caller keeps the stream going).
    await client.silence(1500);
    expect(client.clears).toHaveLength(0);
    const heardBefore = client.played.length;
    expect(rms(client.played, heardBefore - 4000, heardBefore)).toBeGreaterThan(500);
    // Talk over it.
    await client.speak(hello.mulaw8k.subarray(0, 8000 * 1));
    await until(() => client.clears.length > 0, 'a clear message');
    expect(agent?.interruptedAt).toBeDefined();
    await client.silence(400);
    // Never more than BRIDGE_MAX_QUEUED_MS (100 ms = 5 frames) waited at Twilio. Modelled from the
    // moments the bridge sent each message: the client shares this event loop, so when it gets to
    // read a message says more about the machine's load than about the bridge.
    // Node's timers may fire up to a millisecond before their time, hence the 2 ms.
    expect(maxQueuedMsAtProvider(harness.sent)).toBeLessThanOrEqual(100 + 2);
    expect(harness.sent.filter((m) => m.event === 'media').length).toBeGreaterThanOrEqual(client.received.length);
    // After the clear the caller hears silence, not the rest of the agent's sentence.
    const clearAt = client.clears[0] as number;
    const afterClear = client.received.filter((m) => m.at > clearAt + 5);
    expect(afterClear.length).toBeGreaterThan(10);
    const tail = afterClear.flatMap((m) => Array.from(m.payload, (c) => MULAW_TO_LINEAR[c] as number));
    expect(rms(tail)).toBeLessThan(50);
    // The agent never got to finish, and the bridge counted the barge-in.
    expect(agent?.finishedAt).toBeUndefined();
    expect(harness.metrics.value('bridge_barge_in_total', { provider: 'twilio' })).toBe(1);
  });

  it('does not clear when the agent finishes speaking on its own', async () => {
    harness = await startHarness({ agent: () => new TalkingAgent({ speech: hello.pcm48k.subarray(0, 48000) }) });
    const callId = harness.control.addCall();
    const client = await connect(harness, callId);
    await client.silence(1600);
    expect(client.clears).toHaveLength(0);
    expect(rms(client.played)).toBeGreaterThan(300);
  });
});

describe('Twilio leg start-up failures', () => {
  it('closes 1008 for a call control does not know', async () => {
    harness = await startHarness();
    const client = new TwilioTestClient(`${harness.ws}/twilio`);
    clients.push(client);
    await client.opened;
    client.connected();
    client.start({ callId: '6a1b1d52-9c7e-4a43-9a51-6b0c4f1e2d3a' });
    expect(await client.closed).toEqual({ code: 1008, reason: 'unknown call 6a1b1d52-9c7e-4a43-9a51-6b0c4f1e2d3a' });
    expect(harness.metrics.value('bridge_legs_ended_total', { provider: 'twilio', outcome: 'unknown_call' })).toBe(1);
  });

  it('waits for a call that control creates just after the stream connects', async () => {
    harness = await startHarness({ settings: { callAppearWaitMs: 3000 } });
    const callId = '0f5a2c7e-1b3d-4e6f-8a9b-0c1d2e3f4a5b';
    const client = new TwilioTestClient(`${harness.ws}/twilio`);
    clients.push(client);
    await client.opened;
    client.start({ callId });
    await new Promise((resolve) => setTimeout(resolve, 500));
    harness.control.addCall({ callId });
    await until(() => harness?.rooms.room(`phone-${callId}`), 'the join once the call exists');
    expect(harness.metrics.active).toBe(1);
  });

  it('closes 1008 for a call that is over or not a phone call', async () => {
    harness = await startHarness();
    for (const overrides of [
      { status: 'ended' as const },
      { channel: 'widget' as const },
      { provider: 'voximplant' as const },
    ]) {
      const callId = harness.control.addCall(overrides);
      const client = new TwilioTestClient(`${harness.ws}/twilio`);
      clients.push(client);
      await client.opened;
      client.start({ callId });
      expect((await client.closed).code).toBe(1008);
    }
  });

  it('closes 1011 when the room join fails, counts it and logs the cause', async () => {
    const entries: Record<string, unknown>[] = [];
    harness = await startHarness({ rejectJoin: () => 'connection refused', log: (entry) => entries.push(entry) });
    const callId = harness.control.addCall();
    const client = new TwilioTestClient(`${harness.ws}/twilio`);
    clients.push(client);
    await client.opened;
    client.start({ callId });
    expect(await client.closed).toEqual({ code: 1011, reason: "could not join the call's room" });
    expect(harness.metrics.active).toBe(0);
    expect(harness.metrics.value('bridge_legs_ended_total', { provider: 'twilio', outcome: 'join_failed' })).toBe(1);
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        outcome: 'join_failed',
        callId,
        cause: expect.stringContaining('connection refused'),
      }),
    );
  });

  it('closes 1011 when control is down, and /readyz says so', async () => {
    harness = await startHarness({ controlDown: true });
    const client = new TwilioTestClient(`${harness.ws}/twilio`);
    clients.push(client);
    await client.opened;
    client.start({ callId: '6a1b1d52-9c7e-4a43-9a51-6b0c4f1e2d3a' });
    expect(await client.closed).toEqual({ code: 1011, reason: 'could not look up the call; try again later' });
    const res = await fetch(`${harness.http}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { problems: string[] }).problems).toContain('control is not reachable');
  });

  it('ends every leg with 1001 when the bridge shuts down', async () => {
    harness = await startHarness();
    const callId = harness.control.addCall();
    const client = await connect(harness, callId);
    const { bridge, rooms, metrics } = harness;
    const closing = bridge.close();
    expect(await client.closed).toEqual({ code: 1001, reason: 'the bridge is shutting down' });
    await closing;
    expect(rooms.room(`phone-${callId}`)?.closed).toBe(true);
    expect(metrics.value('bridge_legs_ended_total', { provider: 'twilio', outcome: 'shutdown' })).toBe(1);
    await harness.control.close();
    harness = undefined;
  });

  it('says not ready at the leg limit', async () => {
    harness = await startHarness({ maxLegs: 1 });
    expect((await fetch(`${harness.http}/readyz`)).status).toBe(200);
    await connect(harness, harness.control.addCall());
    const res = await fetch(`${harness.http}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { problems: string[] }).problems).toEqual(['at the leg limit (1)']);
  });

  it('refuses sockets beyond BRIDGE_MAX_LEGS with 503', async () => {
    harness = await startHarness({ maxLegs: 1 });
    await connect(harness, harness.control.addCall());
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(`${harness?.ws}/twilio`);
      socket.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      socket.on('open', () => reject(new Error('the socket was accepted')));
      socket.on('error', () => {});
    });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).detail).toContain('limit of 1 phone legs');
  });
});
