import {
  AudioFrame,
  AudioSource,
  AudioStream,
  DisconnectReason,
  LocalAudioTrack,
  type Participant,
  ParticipantKind,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import { AGENT_INTERRUPTED_TOPIC } from '@speaknode/contracts';
import {
  AGENT_STATE_ATTRIBUTE,
  dtmfCode,
  ROOM_RATE,
  type RoomConnection,
  type RoomConnector,
  type RoomHandlers,
  type RoomJoin,
} from './room-connection.ts';

/**
 * Caller frames waiting for rtc-node's source (which takes them at real time once its 100 ms queue
 * is full): room for the join buffer (3 s) and a little more; beyond it the caller's audio is dropped.
 */
const MAX_PENDING_FRAMES = 160;

const isAgent = (participant: Participant) => participant.kind === ParticipantKind.AGENT;

/**
 * The room through `@livekit/rtc-node`: a thin adapter, exercised against a real LiveKit server by
 * `livekit-room.contract.test.ts` when `LIVEKIT_URL` is set.
 */
export class LiveKitRoomConnector implements RoomConnector {
  async connect(join: RoomJoin, handlers: RoomHandlers): Promise<RoomConnection> {
    const room = new Room();
    const connection = new LiveKitRoomConnection(room, handlers);
    room.on(
      RoomEvent.TrackSubscribed,
      (track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant) => {
        // The agent's voice is its microphone track (agents publish background audio as another
        // track, which a phone leg does not carry: it would need mixing).
        if (
          track.kind === TrackKind.KIND_AUDIO &&
          publication.source === TrackSource.SOURCE_MICROPHONE &&
          isAgent(participant)
        ) {
          connection.listenTo(track);
        }
      },
    );
    room.on(RoomEvent.ParticipantAttributesChanged, (changed: Record<string, string>, participant: Participant) => {
      const state = changed[AGENT_STATE_ATTRIBUTE];
      if (state !== undefined && isAgent(participant)) handlers.onAgentState(state);
    });
    room.on(RoomEvent.DataReceived, (_payload: Uint8Array, participant?: RemoteParticipant, _kind?, topic?: string) => {
      if (topic === AGENT_INTERRUPTED_TOPIC && participant && isAgent(participant)) handlers.onAgentInterrupted();
    });
    room.on(RoomEvent.DtmfReceived, (_code: number, digit: string, participant: RemoteParticipant) => {
      if (isAgent(participant)) handlers.onAgentDtmf(digit);
    });
    room.on(RoomEvent.ParticipantConnected, (participant: RemoteParticipant) => {
      // An agent that joins after the caller: its state so far (attributes set before it joined
      // raise no change event), or `initializing` until it says more. Either way it is present.
      if (isAgent(participant)) handlers.onAgentState(participant.attributes[AGENT_STATE_ATTRIBUTE] ?? 'initializing');
    });
    room.on(RoomEvent.ParticipantDisconnected, (participant: RemoteParticipant) => {
      if (isAgent(participant)) handlers.onAgentLeft();
    });
    room.on(RoomEvent.Disconnected, (reason: DisconnectReason) => {
      if (!connection.closed) handlers.onDisconnected(`room disconnected: ${DisconnectReason[reason] ?? reason}`);
    });
    try {
      await room.connect(join.serverUrl, join.token, { autoSubscribe: true, dynacast: false });
    } catch (error) {
      await room.disconnect().catch(() => {});
      throw new Error(`could not join room ${join.roomName} at ${join.serverUrl}: ${(error as Error).message}`);
    }
    try {
      await connection.publishMicrophone();
    } catch (error) {
      await connection.close();
      throw new Error(
        `joined room ${join.roomName} but could not publish the caller's audio: ${(error as Error).message}`,
      );
    }
    for (const participant of room.remoteParticipants.values()) {
      const state = participant.attributes[AGENT_STATE_ATTRIBUTE];
      if (isAgent(participant) && state !== undefined) handlers.onAgentState(state);
    }
    return connection;
  }
}

class LiveKitRoomConnection implements RoomConnection {
  closed = false;
  private source: AudioSource | undefined;
  private pending: Int16Array[] = [];
  private pumping = false;
  /** The agent voice being played; a newer agent microphone track replaces it. */
  private stream: AudioStream | undefined;
  dropped = 0;

  constructor(
    private readonly room: Room,
    private readonly handlers: RoomHandlers,
  ) {}

  async publishMicrophone(): Promise<void> {
    // A short queue: the bridge paces input itself and latency matters more than smoothing here.
    this.source = new AudioSource(ROOM_RATE, 1, 100);
    const track = LocalAudioTrack.createAudioTrack('phone', this.source);
    const local = this.room.localParticipant;
    if (!local) throw new Error('no local participant after connecting');
    await local.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  }

  listenTo(track: RemoteTrack): void {
    void this.stream?.cancel().catch(() => {});
    const stream = new AudioStream(track, { sampleRate: ROOM_RATE, numChannels: 1 });
    this.stream = stream;
    void (async () => {
      try {
        for await (const frame of stream) {
          if (this.closed || this.stream !== stream) break;
          this.handlers.onAgentAudio(frame.data);
        }
      } catch {
        // The track went away; the participant events say why.
      }
    })();
  }

  publishAudio(frame: Int16Array): void {
    if (!this.source || this.closed) return;
    if (this.pending.length >= MAX_PENDING_FRAMES) {
      this.dropped++;
      return;
    }
    this.pending.push(frame);
    if (!this.pumping) void this.pump();
  }

  /** One capture at a time, in order: the source's own queue paces them to real time. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let frame = this.pending.shift(); frame; frame = this.pending.shift()) {
        const source = this.source;
        if (!source || this.closed) break;
        await source.captureFrame(new AudioFrame(frame, ROOM_RATE, 1, frame.length)).catch(() => {
          this.dropped++;
        });
      }
    } finally {
      this.pumping = false;
    }
  }

  async sendDtmf(digit: string): Promise<void> {
    const code = dtmfCode(digit);
    if (code === undefined) throw new Error(`"${digit}" is not a DTMF digit`);
    await this.room.localParticipant?.publishDtmf(code, digit);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stream?.cancel().catch(() => {});
    await this.source?.close().catch(() => {});
    await this.room.disconnect().catch(() => {});
  }
}
