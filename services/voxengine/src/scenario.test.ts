import { randomUUID } from 'node:crypto';
import { TalkingAgent } from '@speaknode/bridge/room/memory-room.ts';
import { type Harness, startHarness, until } from '@speaknode/bridge/testing/harness.ts';
import { type SpeechFixture, speech } from '@speaknode/bridge/testing/speech.ts';
import { callIdForProviderCall, signStreamToken } from '@speaknode/contracts/node';
import { startTestReceiver, type TestReceiver } from '@speaknode/webhooks/testing/harness.ts';
import type { RecordingBus } from '@speaknode/webhooks/testing/memory-bus.ts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configuredScenario } from './scenario-source.ts';
import { runScenario, type SandboxCall } from './voxengine-sandbox.ts';

const STREAM_SECRET = 'stream-secret-shared-by-webhooks-and-bridge';
const ACCOUNT = { accountId: '4711', scenarioSecret: 'scenario-secret-of-account-4711' };

let caller: SpeechFixture;
let bridge: Harness | undefined;
let receiver: TestReceiver | undefined;

beforeAll(() => {
  caller = speech('Hello, I would like to check the status of my order, please.');
});

afterEach(async () => {
  await bridge?.close();
  await receiver?.close();
  bridge = undefined;
  receiver = undefined;
});

/** The receiver and the bridge sharing a stream secret, as the appliance configures them. */
async function stack(options: Parameters<typeof startHarness>[0] = {}) {
  bridge = await startHarness({ streamSecret: STREAM_SECRET, ...options });
  receiver = await startTestReceiver({
    voximplantAccounts: [ACCOUNT],
    streamSecret: STREAM_SECRET,
    bridgePublicUrl: bridge.ws,
  });
  return { bridge, receiver, bus: receiver.bus as RecordingBus };
}

function scenario(webhookUrl: string, scenarioSecret = ACCOUNT.scenarioSecret) {
  return runScenario(configuredScenario({ webhookUrl, accountId: ACCOUNT.accountId, scenarioSecret }));
}

/** A call the scenario takes and streams until the bridge puts the caller in the call's room. */
async function callInRoom(voxCallId: string) {
  if (!bridge || !receiver) throw new Error('start the stack first');
  const harness = bridge;
  const callId = callIdForProviderCall('voximplant', voxCallId);
  // Control creates the call from the receiver's `incoming` event; here the bridge's fake control knows it already.
  harness.control.addCall({ callId, provider: 'voximplant' });
  const run = scenario(`${receiver.url}/voximplant`);
  const call = run.alert({ voxCallId, from: '+74955550100', to: '+74955550199', audio: caller.pcm16k });
  const room = await until(() => harness.rooms.room(`phone-${callId}`), 'the caller in the room', 10_000);
  return { run, call, room };
}

/** The scenario callbacks the receiver put on the bus for one VoxImplant call, as (event, payload). */
function callbacks(bus: RecordingBus, voxCallId: string) {
  return bus.published
    .map(({ event }) => event.data as { event: string; callId?: string; payload: Record<string, unknown> })
    .filter((data) => data.callId === voxCallId)
    .map((data) => [data.event, data.payload] as const);
}

const rms = (payload: Buffer) => {
  let sum = 0;
  for (let i = 0; i + 1 < payload.length; i += 2) sum += payload.readInt16LE(i) ** 2;
  return Math.sqrt(sum / (payload.length / 2));
};

describe('the VoxEngine scenario, against the real webhook receiver and media bridge', () => {
  it('streams a call to its agent and back, forwards DTMF, and hangs up when the agent leaves', async () => {
    const { bus } = await stack();
    const voxCallId = 'vox-call-1001';
    const { run, call, room } = await callInRoom(voxCallId);
    expect(call.answered).toBe(true);
    // The echo agent's audio comes back to the caller: 20 ms PCM16 frames with speech in them.
    await until(() => call.heard.length >= 25, 'half a second of agent audio', 10_000);
    expect(call.heard.every((payload) => payload.length === 640)).toBe(true);
    expect(Math.max(...call.heard.map(rms))).toBeGreaterThan(300);

    call.pressKey('7');
    await until(() => room.dtmf.includes('7'), 'the digit in the room');
    // The agent presses a key: the bridge asks the scenario, which presses it on the call.
    room.handlers.onAgentDtmf('9');
    await until(() => call.digitsSent.includes('9'), "the agent's key on the call");

    room.agentLeaves();
    await until(() => call.hungUp, 'the scenario to hang up', 10_000);
    await until(() => run.terminated === 1, 'the session to end');
    await until(() => callbacks(bus, voxCallId).length === 3, 'incoming, connected, disconnected on the bus');
    const events = callbacks(bus, voxCallId);
    expect(events.map(([event]) => event)).toEqual(['incoming', 'connected', 'disconnected']);
    expect(events[0]?.[1]).toMatchObject({ from: '+74955550100', to: '+74955550199' });
    expect(events[2]?.[1]).toMatchObject({ initiator: 'agent' });
  });

  it('closes the stream when the caller hangs up, and reports the caller as the one who ended it', async () => {
    const { bridge, bus } = await stack();
    const voxCallId = 'vox-call-1002';
    const { call, room } = await callInRoom(voxCallId);

    call.callerHangsUp();
    await until(() => room.closed, 'the bridge to leave the room');
    await until(() => callbacks(bus, voxCallId).some(([event]) => event === 'disconnected'), 'disconnected');
    expect(callbacks(bus, voxCallId).find(([event]) => event === 'disconnected')?.[1]).toMatchObject({
      initiator: 'caller',
    });
    expect(bridge.metrics.active).toBe(0);
  });

  it('empties the playback buffer when the bridge says the caller interrupted the agent', async () => {
    const agent = new TalkingAgent({ speech: caller.pcm48k, bargeInRms: 1000 });
    const { bridge, receiver } = await stack({ agent: () => agent });
    const voxCallId = 'vox-call-1003';
    bridge.control.addCall({ callId: callIdForProviderCall('voximplant', voxCallId), provider: 'voximplant' });
    const run = scenario(`${receiver.url}/voximplant`);
    const call = run.alert({ voxCallId, from: '+74955550100', to: '+74955550199', audio: caller.pcm16k });
    // The caller talks from the start, so the agent is cut off and the bridge sends `clear`.
    await until(() => run.sockets[0]?.clears.length, 'clearMediaBuffer', 10_000);
    expect(run.sockets[0]?.clears[0]).toBe('caller');
    call.callerHangsUp();
    await until(() => run.terminated === 1, 'the session to end');
  });

  it('hangs up without streaming when the receiver refuses the callback', async () => {
    const { bridge, receiver, bus } = await stack();
    const run = scenario(`${receiver.url}/voximplant`, 'not-the-accounts-secret');
    const call: SandboxCall = run.alert({
      voxCallId: 'vox-call-1004',
      from: '+74955550100',
      to: '+74955550199',
      audio: caller.pcm16k,
    });
    await until(() => call.hungUp, 'the hang-up');
    expect(call.answered).toBe(false);
    expect(run.sockets).toEqual([]);
    expect(run.log.join('\n')).toContain('answered 403');
    expect(bus.published).toEqual([]);
    expect(bridge.metrics.active).toBe(0);
  });

  describe('outbound calls (started through the HTTP API)', () => {
    function outbound(webhookUrl: string, bridgeUrl: string, callId: string) {
      const run = runScenario(
        configuredScenario({
          webhookUrl,
          accountId: ACCOUNT.accountId,
          scenarioSecret: ACCOUNT.scenarioSecret,
          bridgeUrl,
        }),
      );
      const customData = JSON.stringify({
        o: 1,
        c: callId,
        t: signStreamToken(STREAM_SECRET, callId),
        to: '+442079460123',
        from: '+74955550103',
      });
      // What control sends as script_custom_data: it must fit VoxImplant's 200 bytes of custom data.
      expect(Buffer.byteLength(customData)).toBeLessThanOrEqual(200);
      run.start(customData, { audio: caller.pcm16k });
      return run;
    }

    it('dials the number, streams the answered call to the agent with its stream token, and reports it by our call id', async () => {
      const { bridge, receiver, bus } = await stack();
      const callId = randomUUID();
      bridge.control.addCall({ callId, provider: 'voximplant' });
      const run = outbound(`${receiver.url}/voximplant`, `${bridge.ws}/voximplant`, callId);
      expect(run.placed.map((p) => [p.number, p.callerId])).toEqual([['+442079460123', '+74955550103']]);
      const call = run.placed[0]!.call;
      expect(run.sockets).toEqual([]);
      call.calleeAnswers();
      const room = await until(() => bridge.rooms.room(`phone-${callId}`), 'the callee in the room', 10_000);
      await until(() => call.heard.length >= 10, 'agent audio', 10_000);
      call.callerHangsUp();
      await until(() => room.closed, 'the bridge to leave the room');
      await until(() => callbacks(bus, callId).length === 2, 'connected, disconnected on the bus');
      expect(callbacks(bus, callId).map(([event]) => event)).toEqual(['connected', 'disconnected']);
      await until(() => run.terminated === 1, 'the session to end');
    });

    it('reports a call that does not connect as failed with the SIP code, and streams nothing', async () => {
      const { bridge, receiver, bus } = await stack();
      const callId = randomUUID();
      const run = outbound(`${receiver.url}/voximplant`, `${bridge.ws}/voximplant`, callId);
      run.placed[0]!.call.calleeFails(486, 'Busy Here');
      await until(() => callbacks(bus, callId).length === 1, 'failed on the bus');
      expect(callbacks(bus, callId)[0]).toEqual([
        'failed',
        expect.objectContaining({ code: 486, reason: 'Busy Here' }),
      ]);
      expect(run.sockets).toEqual([]);
      await until(() => run.terminated === 1, 'the session to end');
    });

    it('places no call in a session without an outbound request (an incoming call, or junk custom data)', async () => {
      for (const data of ['', 'not json', '{"o":2,"c":"x","to":"+1"}']) {
        const run = runScenario(configuredScenario({ webhookUrl: 'http://127.0.0.1:9/voximplant', ...ACCOUNT }));
        run.start(data, { audio: caller.pcm16k });
        expect(run.placed, data).toEqual([]);
      }
    });
  });
});
