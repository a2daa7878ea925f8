/**
 * The LiveKit side of the Testing page's voice conversation. The only console module that imports
 * livekit-client: `voice-test.ts` loads it with `import()` when a voice test starts, so the build puts
 * it, with livekit-client, in a chunk of its own that the rest of the console never downloads.
 * (The widget's `web-widget/src/voice-room.ts` is the visitor's counterpart: same room, same
 * attributes and text streams.)
 */
import { LocalAudioTrack, type Participant, type RemoteTrack, Room, RoomEvent, Track } from 'livekit-client';

export interface VoiceRoomEvents {
  /** `lk.agent.state` of the agent participant: initializing, listening, thinking, speaking. */
  agentState(state: string): void;
  /** A live caption: one segment, so far or final, from the tester or the agent. */
  caption(segmentId: string, fromTester: boolean, text: string, final: boolean): void;
  disconnected(): void;
}

export interface VoiceRoom {
  setMuted(muted: boolean): Promise<void>;
  leave(): Promise<void>;
}

const AGENT_STATE = 'lk.agent.state';

export async function joinVoiceRoom(options: {
  serverUrl: string;
  token: string;
  microphone: MediaStreamTrack;
  /** Where the agent's audio elements go. */
  audioParent: HTMLElement;
  events: VoiceRoomEvents;
}): Promise<VoiceRoom> {
  const { events } = options;
  const room = new Room({ adaptiveStream: false, dynacast: false, disconnectOnPageLeave: true });
  const seen = (participant: Participant) => {
    if (!participant.isAgent) return;
    events.agentState(participant.attributes[AGENT_STATE] ?? 'initializing');
  };
  room
    .on(RoomEvent.ParticipantConnected, seen)
    .on(RoomEvent.ParticipantAttributesChanged, (_changed, participant) => seen(participant))
    .on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
      if (track.kind === Track.Kind.Audio) options.audioParent.append(track.attach());
    })
    .on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => {
      for (const element of track.detach()) element.remove();
    });
  // Live captions: the agent publishes what each side said as text streams on `lk.transcription`.
  room.registerTextStreamHandler('lk.transcription', async (reader, participant) => {
    const attributes = reader.info.attributes ?? {};
    const segmentId = attributes['lk.segment_id'] ?? reader.info.id;
    const fromTester = participant.identity === room.localParticipant.identity;
    const final = attributes['lk.transcription_final'] === 'true';
    let text = '';
    for await (const chunk of reader) {
      text += chunk;
      events.caption(segmentId, fromTester, text, false);
    }
    // The agent's speech is one stream per segment; the tester's comes as interim streams, then a final one.
    events.caption(segmentId, fromTester, text, fromTester ? final : true);
  });

  try {
    await room.connect(options.serverUrl, options.token, { autoSubscribe: true });
  } catch (error) {
    await room.disconnect().catch(() => {});
    throw error;
  }
  room.on(RoomEvent.Disconnected, () => events.disconnected());
  const microphone = new LocalAudioTrack(options.microphone, undefined, true);
  await room.localParticipant.publishTrack(microphone, { source: Track.Source.Microphone });
  await room.startAudio().catch(() => {});
  for (const participant of room.remoteParticipants.values()) seen(participant);
  return {
    async setMuted(muted) {
      await (muted ? microphone.mute() : microphone.unmute());
    },
    async leave() {
      await room.disconnect();
    },
  };
}
