/**
 * A voice conversation's own logic with a stand-in for the LiveKit room (the browser tests cannot
 * reach a LiveKit server here): the 10 s wait for the agent, mute, the level meter, leaving the
 * room, and a refused microphone. The microphone, Web Audio and animation frames are stand-ins
 * driven by fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ControlClient } from './control-client.ts';
import type { ConversationEvents, WidgetState } from './conversation.ts';
import { AGENT_JOIN_TIMEOUT_MS, VoiceConversation } from './voice-conversation.ts';
import type { VoiceRoom, VoiceRoomEvents } from './voice-room.ts';
import type { WidgetError } from './widget-error.ts';

class FakeTrack {
  enabled = true;
  stopped = false;
  stop() {
    this.stopped = true;
  }
}

let track: FakeTrack;
let audioClosed: boolean;
let getUserMedia: ReturnType<typeof vi.fn>;

beforeEach(() => {
  vi.useFakeTimers();
  track = new FakeTrack();
  audioClosed = false;
  getUserMedia = vi.fn(async () => ({ getAudioTracks: () => [track], getTracks: () => [track] }));
  vi.stubGlobal('navigator', { mediaDevices: { getUserMedia } });
  vi.stubGlobal('requestAnimationFrame', (callback: () => void) => setTimeout(callback, 16));
  vi.stubGlobal('cancelAnimationFrame', (id: ReturnType<typeof setTimeout>) => clearTimeout(id));
  vi.stubGlobal(
    'AudioContext',
    class {
      createAnalyser() {
        return {
          fftSize: 0,
          // A steady signal of RMS 0.1: the meter shows 0.4 (×4, capped at 1).
          getFloatTimeDomainData: (samples: Float32Array) => samples.fill(0.1),
        };
      }
      createMediaStreamSource() {
        return { connect() {} };
      }
      async close() {
        audioClosed = true;
      }
    },
  );
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function setUp(options: { agentPresent?: boolean } = {}) {
  const states: WidgetState[] = [];
  const failures: WidgetError[] = [];
  const levels: number[] = [];
  const messages: unknown[][] = [];
  const events: ConversationEvents = {
    state: (state) => states.push(state),
    message: (...args) => messages.push(args),
    failed: (error) => failures.push(error),
    level: (value) => levels.push(value),
  };
  const room = {
    muted: [] as boolean[],
    sent: [] as string[],
    left: 0,
    events: undefined as VoiceRoomEvents | undefined,
  };
  const voiceRoom: VoiceRoom = {
    agentPresent: () => !!options.agentPresent,
    setMuted: async (muted) => void room.muted.push(muted),
    sendText: async (text) => void room.sent.push(text),
    leave: async () => void room.left++,
  };
  const startVoice = vi.fn(async () => ({ serverUrl: 'wss://livekit.test', token: 'token', callId: 'call' }));
  const client = { startVoice } as unknown as ControlClient;
  const conversation = new VoiceConversation(client, events, {} as HTMLElement, AGENT_JOIN_TIMEOUT_MS, async () => ({
    joinVoiceRoom: async (joinOptions) => {
      expect(joinOptions.serverUrl).toBe('wss://livekit.test');
      expect(joinOptions.microphone).toBe(track);
      room.events = joinOptions.events;
      return voiceRoom;
    },
  }));
  return { conversation, states, failures, levels, messages, room, startVoice };
}

describe('a voice conversation', () => {
  it('waits 10 s for the agent, then leaves the room, releases the microphone and says so', async () => {
    const { conversation, states, failures, levels, room } = setUp();
    await conversation.start();
    expect(states).toEqual(['connecting']);
    await vi.advanceTimersByTimeAsync(AGENT_JOIN_TIMEOUT_MS - 100);
    expect(failures).toEqual([]);
    expect(room.left).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(failures.map((f) => [f.code, f.message])).toEqual([
      ['agent_not_joined', 'The assistant did not answer. Please try again in a moment.'],
    ]);
    expect(room.left).toBe(1);
    expect(track.stopped).toBe(true);
    expect(audioClosed).toBe(true);
    expect(levels.at(-1)).toBe(0);
    // Ended by the failure, not as a normal end.
    expect(states).toEqual(['connecting']);
  });

  it('goes on once the agent joins in time, following its state and the transcriptions', async () => {
    const { conversation, states, failures, messages, room } = setUp();
    await conversation.start();
    await vi.advanceTimersByTimeAsync(AGENT_JOIN_TIMEOUT_MS / 2);
    room.events!.agentJoined();
    await vi.advanceTimersByTimeAsync(AGENT_JOIN_TIMEOUT_MS * 3);
    expect(failures).toEqual([]);
    room.events!.agentState('thinking');
    room.events!.agentState('initializing');
    room.events!.agentState('speaking');
    room.events!.transcript('seg1', true, 'Hello', false);
    room.events!.transcript('seg2', false, 'Hi there', true);
    expect(states).toEqual(['connecting', 'listening', 'thinking', 'speaking']);
    expect(messages).toEqual([
      ['voice-seg1', 'user', 'Hello', false],
      ['voice-seg2', 'agent', 'Hi there', true],
    ]);
    await conversation.send('  by text  ');
    expect(room.sent).toEqual(['by text']);
  });

  it('does not wait when the agent is already in the room', async () => {
    const { conversation, failures } = setUp({ agentPresent: true });
    await conversation.start();
    await vi.advanceTimersByTimeAsync(AGENT_JOIN_TIMEOUT_MS * 2);
    expect(failures).toEqual([]);
  });

  it('mutes and unmutes the microphone, in the room and on the track', async () => {
    const { conversation, room } = setUp({ agentPresent: true });
    await conversation.start();
    conversation.setMuted(true);
    expect(track.enabled).toBe(false);
    conversation.setMuted(false);
    expect(track.enabled).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(room.muted).toEqual([true, false]);
  });

  it("meters the microphone's level every frame until the conversation ends", async () => {
    const { conversation, levels } = setUp({ agentPresent: true });
    await conversation.start();
    const first = levels.length;
    await vi.advanceTimersByTimeAsync(16 * 5);
    expect(levels.length).toBeGreaterThanOrEqual(first + 5);
    for (const level of levels) expect(level).toBeCloseTo(0.4, 5);
    await conversation.end();
    expect(levels.at(-1)).toBe(0);
    const after = levels.length;
    await vi.advanceTimersByTimeAsync(16 * 10);
    expect(levels.length).toBe(after);
  });

  it('end() leaves the room once and ends', async () => {
    const { conversation, states, room } = setUp({ agentPresent: true });
    await conversation.start();
    await conversation.end();
    await conversation.end();
    expect(room.left).toBe(1);
    expect(track.stopped).toBe(true);
    expect(states.at(-1)).toBe('ended');
  });

  it('a refused microphone asks control for nothing', async () => {
    getUserMedia.mockRejectedValueOnce(Object.assign(new Error('denied'), { name: 'NotAllowedError' }));
    const { conversation, startVoice } = setUp();
    await expect(conversation.start()).rejects.toMatchObject({ code: 'microphone_denied' });
    getUserMedia.mockRejectedValueOnce(Object.assign(new Error('none'), { name: 'NotFoundError' }));
    await expect(setUp().conversation.start()).rejects.toMatchObject({ code: 'microphone_unavailable' });
    expect(startVoice).not.toHaveBeenCalled();
  });
});
