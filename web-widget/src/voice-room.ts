/**
 * The LiveKit side of a voice conversation. This module is the only one that imports
 * livekit-client; the element loads it with `import()` when voice starts, so the build puts it,
 * with livekit-client, in a chunk of its own that text-only visitors never download.
 */
import { LocalAudioTrack, type Participant, type RemoteTrack, Room, RoomEvent, Track } from 'livekit-client';

export interface VoiceRoomEvents {
  agentJoined(): void;
  /** `lk.agent.state` of the agent participant: initializing, listening, thinking, speaking. */
  agentState(state: string): void;
  transcript(segmentId: string, fromVisitor: boolean, text: string, final: boolean): void;
  disconnected(): void;
}

export interface VoiceRoom {
  agentPresent(): boolean;
  setMuted(muted: boolean): Promise<void>;
  sendText(text: string): Promise<void>;
  leave(): Promise<void>;
}

const AGENT_STATE = 'lk.agent.state';

export async function joinVoiceRoom(options: {
  serverUrl: string;
  token: string;
  microphone: MediaStreamTrack;
  /** Where the agent's audio elements go (inside the element's shadow root). */
  audioParent: HTMLElement;
  events: VoiceRoomEvents;
}): Promise<VoiceRoom> {
  const { events } = options;
  const room = new Room({ adaptiveStream: false, dynacast: false, disconnectOnPageLeave: true });
  let joined = false;
  const seen = (participant: Participant) => {
    if (!participant.isAgent) return;
    if (!joined) {
      joined = true;
      events.agentJoined();
    }
    const state = participant.attributes[AGENT_STATE];
    if (state) events.agentState(state);
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
    const fromVisitor = participant.identity === room.localParticipant.identity;
    const final = attributes['lk.transcription_final'] === 'true';
    let text = '';
    for await (const chunk of reader) {
      text += chunk;
      events.transcript(segmentId, fromVisitor, text, false);
    }
    // The agent's own speech is one stream per segment, complete when the stream closes; the
    // visitor's comes as interim streams, then one marked final.
    events.transcript(segmentId, fromVisitor, text, fromVisitor ? final : true);
  });

  try {
    await room.connect(options.serverUrl, options.token, { autoSubscribe: true });
  } catch (error) {
    await room.disconnect().catch(() => {});
    throw error;
  }
  // Only a room that was joined can be left: a failed connect is reported by the throw above.
  room.on(RoomEvent.Disconnected, () => events.disconnected());
  const microphone = new LocalAudioTrack(options.microphone, undefined, true);
  await room.localParticipant.publishTrack(microphone, { source: Track.Source.Microphone });
  await room.startAudio().catch(() => {});
  for (const participant of room.remoteParticipants.values()) seen(participant);

  return {
    agentPresent: () => joined,
    async setMuted(muted) {
      await (muted ? microphone.mute() : microphone.unmute());
    },
    async sendText(text) {
      await room.localParticipant.sendText(text, { topic: 'lk.chat' });
    },
    async leave() {
      await room.disconnect();
    },
  };
}
