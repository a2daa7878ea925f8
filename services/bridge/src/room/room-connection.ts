/**
 * The bridge's view of a LiveKit room: join as the caller, publish the caller's audio, hear the
 * agent. Implemented by the rtc-node adapter (`LiveKitRoomConnector`) and, in tests and the
 * benchmark, by an in-memory room (`MemoryRoomConnector`).
 */

/** Rate of every frame crossing this interface: 16-bit mono PCM at 48 kHz. */
export const ROOM_RATE = 48_000;

export interface RoomJoin {
  /** From control's participant-token grant. */
  serverUrl: string;
  token: string;
  /** `phone-<callId>`; also carried inside the token, repeated here for adapters that need it. */
  identity: string;
  /** The call's room name (from control's call summary). */
  roomName: string;
  attributes: Record<string, string>;
}

/** What the room tells the leg. Called synchronously from the adapter; handlers must not throw. */
export interface RoomHandlers {
  /** Agent audio: 16-bit mono at 48 kHz, any frame length. */
  onAgentAudio(samples: Int16Array): void;
  /** The agent participant's `lk.agent.state` attribute changed (`listening`, `thinking`, `speaking`, …). */
  onAgentState(state: string): void;
  /** The agent says the caller cut it off (`AGENT_INTERRUPTED_TOPIC` in contracts): drop its queued speech. */
  onAgentInterrupted(): void;
  /** The agent pressed a key (LiveKit DTMF from the agent participant): play it on the caller's line. */
  onAgentDtmf(digit: string): void;
  /** The agent participant left the room after having joined it. */
  onAgentLeft(): void;
  /** The connection to the room ended for another reason (room closed, kicked, network). */
  onDisconnected(reason: string): void;
}

export interface RoomConnection {
  /** Publish 20 ms (960 samples) of caller audio on the caller's microphone track. Never blocks; drops when the room falls behind. */
  publishAudio(frame: Int16Array): void;
  /** Send a DTMF digit (0-9, *, #, A-D) into the room, as LiveKit SIP does for phone callers. */
  sendDtmf(digit: string): Promise<void>;
  /** Leave the room. Safe to call more than once. */
  close(): Promise<void>;
}

export interface RoomConnector {
  /** Join; rejects with a message naming the room when the join fails. */
  connect(join: RoomJoin, handlers: RoomHandlers): Promise<RoomConnection>;
}

/** The attribute LiveKit agents set on their participant to say what they are doing. */
export const AGENT_STATE_ATTRIBUTE = 'lk.agent.state';

/** RFC 4733 event codes for DTMF digits, as LiveKit's `publishDtmf` expects. */
export function dtmfCode(digit: string): number | undefined {
  if (/^[0-9]$/.test(digit)) return Number(digit);
  const others: Record<string, number> = { '*': 10, '#': 11, A: 12, B: 13, C: 14, D: 15 };
  return others[digit.toUpperCase()];
}
