import { createHmac, randomUUID } from 'node:crypto';
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import { AGENT_INTERRUPTED_TOPIC } from '@speaknode/contracts';
import { describe, expect, it } from 'vitest';
import { until } from '../testing/harness.ts';
import { LiveKitRoomConnector } from './livekit-room.ts';

const { LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET } = process.env;
const configured = Boolean(LIVEKIT_URL && LIVEKIT_API_KEY && LIVEKIT_API_SECRET);
if (!configured) {
  console.info(
    'livekit-room contract test skipped: set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET to run it against a real LiveKit server',
  );
}

/** A LiveKit access token (HS256 JWT) with the grants a participant needs. */
function token(identity: string, room: string, extra: Record<string, unknown> = {}): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = b64({
    iss: LIVEKIT_API_KEY,
    sub: identity,
    nbf: now - 10,
    exp: now + 600,
    video: {
      room,
      roomJoin: true,
      canPublish: true,
      canSubscribe: true,
      canPublishData: true,
      canUpdateOwnMetadata: true,
    },
    ...extra,
  });
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const signature = createHmac('sha256', LIVEKIT_API_SECRET as string)
    .update(`${head}.${body}`)
    .digest('base64url');
  return `${head}.${body}.${signature}`;
}

(configured ? describe : describe.skip)('LiveKitRoomConnector against a real LiveKit server', () => {
  it('joins as the caller, publishes audio, hears the agent, sends DTMF and sees the agent leave', async () => {
    const roomName = `bridge-contract-${randomUUID()}`;
    const identity = `phone-${randomUUID()}`;
    // The "agent": a second participant with the agent kind, echoing what it hears.
    const agentRoom = new Room();
    const digits: string[] = [];
    let heardCaller = 0;
    agentRoom.on(RoomEvent.DtmfReceived, (_code: number, digit: string) => digits.push(digit));
    agentRoom.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
      if (track.kind !== TrackKind.KIND_AUDIO) return;
      void (async () => {
        for await (const _frame of new AudioStream(track, { sampleRate: 48000, numChannels: 1 })) heardCaller++;
      })();
    });
    await agentRoom.connect(LIVEKIT_URL as string, token(`agent-${randomUUID()}`, roomName, { kind: 'agent' }), {
      autoSubscribe: true,
      dynacast: false,
    });
    const agentSource = new AudioSource(48000, 1);
    await agentRoom.localParticipant?.publishTrack(
      LocalAudioTrack.createAudioTrack('agent', agentSource),
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
    await agentRoom.localParticipant?.setAttributes({ 'lk.agent.state': 'listening' });

    let agentAudio = 0;
    const states: string[] = [];
    let agentLeft = false;
    let interruptions = 0;
    const agentKeys: string[] = [];
    const connection = await new LiveKitRoomConnector().connect(
      { serverUrl: LIVEKIT_URL as string, token: token(identity, roomName), identity, roomName, attributes: {} },
      {
        onAgentAudio: (samples) => {
          agentAudio += samples.length;
        },
        onAgentState: (state) => states.push(state),
        onAgentLeft: () => {
          agentLeft = true;
        },
        onAgentInterrupted: () => {
          interruptions++;
        },
        onAgentDtmf: (digit) => agentKeys.push(digit),
        onDisconnected: () => {},
      },
    );
    try {
      const tone = new Int16Array(960).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48000)));
      for (let i = 0; i < 100; i++) {
        connection.publishAudio(tone);
        await agentSource.captureFrame(new AudioFrame(tone, 48000, 1, 960));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await until(() => heardCaller > 0, 'the agent to hear the caller', 10_000);
      await until(() => agentAudio > 0, 'the caller to hear the agent', 10_000);
      await agentRoom.localParticipant?.setAttributes({ 'lk.agent.state': 'speaking' });
      await until(() => states.includes('speaking'), 'the agent state to arrive', 10_000);
      await agentRoom.localParticipant?.publishData(new TextEncoder().encode('{}'), {
        reliable: true,
        topic: AGENT_INTERRUPTED_TOPIC,
      });
      await until(() => interruptions > 0, "the agent's interruption to arrive", 10_000);
      await connection.sendDtmf('5');
      await until(() => digits.includes('5'), 'the DTMF digit to reach the agent', 10_000);
      await agentRoom.localParticipant?.publishDtmf(11, '#');
      await until(() => agentKeys.includes('#'), "the agent's key press to reach the bridge", 10_000);
      await agentRoom.disconnect();
      await until(() => agentLeft, 'the agent to be seen leaving', 10_000);
      expect(agentLeft).toBe(true);
    } finally {
      await connection.close();
      await agentRoom.disconnect().catch(() => {});
    }
  }, 60_000);

  it('rejects a join with a bad token with a message naming the room', async () => {
    const roomName = `bridge-contract-${randomUUID()}`;
    await expect(
      new LiveKitRoomConnector().connect(
        { serverUrl: LIVEKIT_URL as string, token: 'not-a-token', identity: 'phone-x', roomName, attributes: {} },
        {
          onAgentAudio() {},
          onAgentState() {},
          onAgentLeft() {},
          onAgentInterrupted() {},
          onAgentDtmf() {},
          onDisconnected() {},
        },
      ),
    ).rejects.toThrow(new RegExp(`could not join room ${roomName}`));
  }, 30_000);
});
