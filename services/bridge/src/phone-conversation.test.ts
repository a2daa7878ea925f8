/**
 * A phone call end to end through a real bridge socket into the agent service's real
 * `Conversation` (the framework's AgentSession, Silero VAD deciding turns and interruptions) in
 * the bridge's in-memory room, driven by espeak-ng speech paced at 20 ms as Twilio sends it.
 */
import type { VAD } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MULAW_TO_LINEAR } from './audio/g711.ts';
import { ConversationAgent, type ConversationAgentOptions } from './testing/conversation-agent.ts';
import { type Harness, startHarness, until } from './testing/harness.ts';
import { PacedCaller, withGain } from './testing/paced-caller.ts';
import { bestCorrelation, rms, type SpeechFixture, speech } from './testing/speech.ts';
import { TwilioTestClient } from './testing/twilio-client.ts';

const KEYPAD = {
  enabled: true,
  terminator: '#',
  interDigitTimeoutMs: 2000,
  maxDigits: 16,
  sendDtmfEnabled: false,
} as const;
const GREETING =
  'Thank you for calling the clinic. Our opening hours are from nine in the morning until six in the evening, from Monday to Friday, and we are closed on public holidays.';
const REPLY = 'Of course, how can I help?';

let vad: VAD;
let hello: SpeechFixture;
let mmHm: SpeechFixture;
let harness: Harness | undefined;
let caller: PacedCaller | undefined;
const clients: TwilioTestClient[] = [];

beforeAll(async () => {
  vad = await silero.VAD.load();
  hello = speech('Hello, I would like to book an appointment for tomorrow.');
  mmHm = speech('mm');
  // Warm espeak's cache so the stand-in TTS never blocks the event loop mid-call.
  for (const line of [GREETING, REPLY, 'Done.']) speech(line);
}, 60_000);

afterEach(async () => {
  caller?.stop();
  caller = undefined;
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

async function call(options: Partial<ConversationAgentOptions> = {}, joinDelayMs = 0, firstWords?: Uint8Array) {
  let agent: ConversationAgent | undefined;
  harness = await startHarness({
    joinDelayMs,
    agent: () => {
      agent = new ConversationAgent({
        vad,
        reply: () => ({ text: REPLY }),
        agent: { greeting: GREETING },
        ...options,
      });
      return agent;
    },
  });
  const callId = harness.control.addCall();
  const client = new TwilioTestClient(`${harness.ws}/twilio`);
  clients.push(client);
  await client.opened;
  client.connected();
  client.start({ callId });
  caller = new PacedCaller(client);
  const spoke = firstWords ? caller.say(firstWords) : undefined;
  const room = await until(() => harness?.rooms.room(`phone-${callId}`), 'the leg to join the room');
  const joined = await until(() => agent, 'the agent to start');
  return { client, room, agent: joined, caller, harness, spoke };
}

/** Frames the caller heard, as 8 kHz samples, from received media index `from`. */
function heard(client: TwilioTestClient, from = 0, to = client.received.length): number[] {
  return client.received.slice(from, to).flatMap((m) => Array.from(m.payload, (c) => MULAW_TO_LINEAR[c] as number));
}

/** Received media frames that carry the agent's voice (not the silence between). */
const voiced = (client: TwilioTestClient) =>
  client.received.filter((m) => rms(Array.from(m.payload, (c) => MULAW_TO_LINEAR[c] as number)) > 300).length;

/** The peak of the first frame the bridge sent after each clear: the caller must hear silence, not a click. */
function firstFramePeaksAfterClears(h: Harness, client: TwilioTestClient): number[] {
  const peaks: number[] = [];
  let media = 0;
  for (let i = 0; i < h.sent.length; i++) {
    const sent = h.sent[i];
    if (sent?.event === 'media') media++;
    else if (sent?.event === 'clear') {
      const frame = client.received[media];
      if (frame) peaks.push(Math.max(...Array.from(frame.payload, (c) => Math.abs(MULAW_TO_LINEAR[c] as number))));
    }
  }
  return peaks;
}

describe('a phone call with the real agent session', () => {
  it('is interrupted during the greeting at once (no warm-up on phone legs), and the first frame after the clear is silent', async () => {
    const { client, agent, caller, harness: h } = await call();
    // Let the greeting play for 1.5 s of the agent's voice.
    await until(() => voiced(client) >= 75, 'the greeting to be heard for 1.5 s', 20_000);
    const onset = await caller.say(hello.mulaw8k);
    await until(() => client.clears.find((at) => at > onset), 'a clear after the caller started talking', 5_000);
    const clearAt = client.clears.find((at) => at > onset) as number;
    // The framework's default warm-up would have held this until 3 s after the greeting began.
    expect(clearAt - onset).toBeLessThan(1_000);
    expect(agent.interruptions.length).toBeGreaterThanOrEqual(1);
    await until(
      () => client.received.length > h.sent.findIndex((s) => s.event === 'clear') + 1,
      'audio after the clear',
    );
    const peaks = firstFramePeaksAfterClears(h, client);
    expect(peaks.length).toBeGreaterThanOrEqual(1);
    expect(peaks.every((p) => p === 0)).toBe(true);
    // The caller's words end the greeting; the agent answers them.
    await until(() => agent.stt.utterances.some((u) => u.text), 'the caller to be transcribed', 10_000);
  }, 60_000);

  it('is interrupted by a quiet caller (−26 dB): the agent judges, not a level in the bridge', async () => {
    const { client, agent, caller } = await call();
    await until(() => voiced(client) >= 50, 'the greeting to be heard', 20_000);
    const quiet = withGain(hello.mulaw8k, -26);
    expect(rms(Array.from(quiet, (c) => MULAW_TO_LINEAR[c] as number))).toBeLessThan(300);
    const onset = await caller.say(quiet);
    await until(() => client.clears.find((at) => at > onset), 'a clear for the quiet caller', 5_000);
    expect(agent.interruptions.length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('resumes its sentence after a cough-length "mm" (a false interruption), instead of going silent', async () => {
    const { client, agent, caller } = await call();
    await until(() => voiced(client) >= 50, 'the greeting to be heard', 20_000);
    const cough = mmHm.mulaw8k.subarray(0, 8 * 150);
    const onset = await caller.say(cough);
    await until(() => agent.falseInterruptions.length > 0, 'the framework to call it a false interruption', 10_000);
    expect(agent.falseInterruptions[0]?.resumed).toBe(true);
    // The agent's voice carries on after the resume: the greeting goes on.
    const resumedAt = agent.falseInterruptions[0]?.at as number;
    // It did stop for the "mm" (the bridge cleared Twilio's buffer), then went on.
    expect(client.clears.some((at) => at > onset && at < resumedAt)).toBe(true);
    const from = client.received.findIndex((m) => m.at > resumedAt);
    await until(() => voiced(client) > 0 && rms(heard(client, from)) > 300, 'the greeting to go on', 10_000);
    // Nothing the caller said had words: no user turn.
    expect(agent.stt.utterances.every((u) => u.text === '')).toBe(true);
  }, 60_000);

  it("hears the caller's first word whole, though they talk before the room is joined", async () => {
    const { room, agent, harness: h, spoke } = await call({ agent: { greeting: undefined } }, 400, hello.mulaw8k);
    await spoke;
    await until(() => agent.stt.utterances.length > 0, 'the caller to be transcribed', 10_000);
    // All of "Hello, I would like…" reached the room from its first frame, though the room took
    // 400 ms to join: the bridge kept it and delivered it.
    expect(h.metrics.value('bridge_media_dropped_total', { provider: 'twilio', reason: 'joining' })).toBe(0);
    // The room's first second, back at 8 kHz (it is band-limited to the telephone band), against
    // the caller's first second: the same audio from the first sample, after the filters' delay.
    const roomAt8k = Array.from({ length: 8000 }, (_, i) => room.callerAudio[i * 6] as number);
    const said = Array.from(hello.mulaw8k.subarray(0, 8000), (c) => MULAW_TO_LINEAR[c] as number);
    const { lag, r } = bestCorrelation(said, roomAt8k, 400);
    expect(r).toBeGreaterThan(0.9);
    // One frame of silence went first (the caller's stream starts on its grid), plus the filters.
    expect(lag).toBeLessThan(200);
    // And the agent heard it as speech from the start (the VAD's first utterance begins with it).
    expect(agent.stt.utterances[0]?.text).toBe('I have a question.');
  }, 60_000);

  it("gives the caller's keys to the agent as their input, and plays the keys the agent presses", async () => {
    const asked: string[] = [];
    const { client, agent } = await call({
      agent: { greeting: undefined, keypad: { ...KEYPAD, sendDtmfEnabled: true } },
      reply: (chatCtx) => {
        const last = chatCtx.items.at(-1) as { type: string; textContent?: string };
        if (last.type === 'message') asked.push(last.textContent ?? '');
        // Keys in → the agent presses 4 then 2 (as on an IVR), then says so.
        return last.type === 'message' && last.textContent?.startsWith('[keypad]')
          ? { toolCalls: [{ name: 'send_dtmf', args: { digits: '42' } }] }
          : { text: 'Done.' };
      },
    });
    await until(() => harness?.rooms.rooms[0]?.handlers, 'the room');
    for (const digit of ['1', '2', '3', '#']) client.dtmf(digit);
    await until(() => asked.length > 0, 'the keys to reach the model', 10_000);
    expect(asked[0]).toBe('[keypad] The caller pressed: 123');
    await until(() => agent.keysSent.length === 2, 'the agent to press its keys', 10_000);
    expect(agent.keysSent).toEqual(['4', '2']);
    // Twilio Media Streams cannot carry keys out of band: the bridge plays them as tones.
    await until(() => keysHeard(heard(client)).join('') === '42', 'the tones of 4 and 2 on the line', 10_000);
  }, 60_000);
});

/** The DTMF keys in 8 kHz audio, by Goertzel power at the row and column frequencies per 20 ms. */
function keysHeard(samples: number[]): string[] {
  const rows = [697, 770, 852, 941];
  const columns = [1209, 1336, 1477, 1633];
  const keys = ['123A', '456B', '789C', '*0#D'];
  const power = (from: number, f: number) => {
    const w = (2 * Math.PI * f) / 8000;
    let s1 = 0;
    let s2 = 0;
    for (let i = from; i < from + 160; i++) {
      const s0 = (samples[i] as number) + 2 * Math.cos(w) * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    return s1 * s1 + s2 * s2 - 2 * Math.cos(w) * s1 * s2;
  };
  const found: string[] = [];
  let previous = '';
  for (let from = 0; from + 160 <= samples.length; from += 160) {
    const r = rows.map((f) => power(from, f));
    const c = columns.map((f) => power(from, f));
    const row = r.indexOf(Math.max(...r));
    const column = c.indexOf(Math.max(...c));
    // A tone at −11 dBFS gives about 1e11 here; speech and silence stay far below in one of the two bands.
    const strong = (r[row] as number) > 1e10 && (c[column] as number) > 1e10;
    const key = strong ? ((keys[row] as string)[column] as string) : '';
    if (key && key !== previous) found.push(key);
    previous = key;
  }
  return found;
}
