/**
 * The LiveKit side of the Testing page's voice conversation: the widget's own room
 * (`@speaknode/web-widget/voice-room`, the only module that imports livekit-client), so the tester
 * hears the agent exactly as a visitor does. `voice-test.ts` loads this module with `import()` when a
 * voice test starts, so the build puts it, with livekit-client, in a chunk of its own that the rest
 * of the console never downloads.
 */
import { joinVoiceRoom as joinWidgetVoiceRoom } from '@speaknode/web-widget/voice-room';

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

export function joinVoiceRoom(options: {
  serverUrl: string;
  token: string;
  microphone: MediaStreamTrack;
  /** Where the agent's audio elements go. */
  audioParent: HTMLElement;
  events: VoiceRoomEvents;
}): Promise<VoiceRoom> {
  const { events } = options;
  return joinWidgetVoiceRoom({
    ...options,
    events: {
      // An agent that has joined but not yet said its state is still starting.
      agentJoined: () => events.agentState('initializing'),
      agentState: (state) => events.agentState(state),
      transcript: (segmentId, fromTester, text, final) => events.caption(segmentId, fromTester, text, final),
      disconnected: () => events.disconnected(),
    },
  });
}
