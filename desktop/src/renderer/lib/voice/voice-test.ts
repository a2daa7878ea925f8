/**
 * The Testing page's voice conversation: the microphone (asked for only when the tester starts),
 * a voice test session from control (`POST …/agents/{agentId}/test-sessions`, `{"mode":"voice"}`: the
 * same `SessionGrant` — call id, LiveKit URL, token — the widget's public sessions endpoint answers),
 * then the LiveKit room, loaded on demand. Reports the microphone's level, the agent's state and the
 * live captions; mute and end. Every failure is an Error whose message says what to do.
 */
import { type ControlClient, unwrap } from '../api/control-client.ts';
import type { VoiceRoom } from './voice-room.ts';

export type VoicePhase = 'idle' | 'connecting' | 'connected' | 'ended' | 'failed';

export interface VoiceTestEvents {
  phase(phase: VoicePhase): void;
  /** The agent participant's `lk.agent.state` (initializing, listening, thinking, speaking). */
  agentState(state: string): void;
  caption(segmentId: string, fromTester: boolean, text: string, final: boolean): void;
  /** The microphone's level, 0 to 1, once per animation frame while connected. */
  level(level: number): void;
}

export type RoomLoader = () => Promise<Pick<typeof import('./voice-room.ts'), 'joinVoiceRoom'>>;

export class VoiceTest {
  callId: string | undefined;
  private stream: MediaStream | undefined;
  private room: VoiceRoom | undefined;
  private audio: AudioContext | undefined;
  private meterFrame = 0;
  private over = false;

  constructor(
    private readonly api: ControlClient,
    private readonly ids: { spaceId: string; agentId: string },
    private readonly events: VoiceTestEvents,
    private readonly audioParent: HTMLElement,
    /** The LiveKit side, its own chunk; a component test hands in a stand-in. */
    private readonly loadRoom: RoomLoader = () => import('./voice-room.ts'),
  ) {}

  async start(): Promise<void> {
    this.events.phase('connecting');
    try {
      this.stream = await askForMicrophone();
      const grant = unwrap(
        await this.api.POST('/api/v1/spaces/{spaceId}/agents/{agentId}/test-sessions', {
          params: { path: this.ids },
          body: { mode: 'voice' },
        }),
      );
      if (grant.mode !== 'voice') throw new Error('control answered a text session to a voice request');
      this.callId = grant.callId;
      const { joinVoiceRoom } = await this.loadRoom().catch(() => {
        throw new Error('The voice part of the console could not be loaded; reload the page and try again.');
      });
      this.room = await joinVoiceRoom({
        serverUrl: grant.serverUrl,
        token: grant.token,
        microphone: this.stream.getAudioTracks()[0]!,
        audioParent: this.audioParent,
        events: {
          agentState: (state) => {
            if (!this.over) this.events.agentState(state);
          },
          caption: (...args) => this.events.caption(...args),
          disconnected: () => void this.stop('ended'),
        },
      }).catch((error: unknown) => {
        throw new Error(
          `Could not connect to LiveKit at ${grant.serverUrl} (${error instanceof Error ? error.message : String(error)}). ` +
            'Check that the LiveKit server is running and that LIVEKIT_URL is an address this browser can reach.',
        );
      });
      this.events.phase('connected');
      this.startMeter();
    } catch (error) {
      await this.stop(undefined);
      this.events.phase('failed');
      throw error;
    }
  }

  setMuted(muted: boolean): void {
    void this.room?.setMuted(muted);
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  end(): Promise<void> {
    return this.stop('ended');
  }

  private async stop(phase: VoicePhase | undefined): Promise<void> {
    if (this.over) return;
    this.over = true;
    if (this.meterFrame) cancelAnimationFrame(this.meterFrame);
    const room = this.room;
    this.room = undefined;
    await room?.leave().catch(() => {});
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    await this.audio?.close().catch(() => {});
    this.events.level(0);
    if (phase) this.events.phase(phase);
  }

  /** The level meter: RMS of the microphone through an AnalyserNode, once per frame. */
  private startMeter(): void {
    if (!this.stream || typeof AudioContext === 'undefined') return;
    try {
      this.audio = new AudioContext();
      const analyser = this.audio.createAnalyser();
      analyser.fftSize = 512;
      this.audio.createMediaStreamSource(this.stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      const tick = () => {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const sample of samples) sum += sample * sample;
        this.events.level(Math.min(1, Math.sqrt(sum / samples.length) * 4));
        this.meterFrame = requestAnimationFrame(tick);
      };
      tick();
    } catch {
      // No Web Audio: the conversation works without a meter.
    }
  }
}

async function askForMicrophone(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('Voice needs a microphone, and this browser offers none here (it needs https or localhost).');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (error) {
    const name = (error as DOMException | undefined)?.name;
    if (name === 'NotAllowedError' || name === 'SecurityError') {
      throw new Error('The microphone is blocked: allow it for this site in the browser, then start again.');
    }
    throw new Error('No microphone could be found: connect one, then start again.');
  }
}
