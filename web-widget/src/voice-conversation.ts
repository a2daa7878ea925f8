/**
 * A voice conversation: the microphone (asked for only now), a voice session from control, then
 * the LiveKit room (loaded on demand). The agent must join within AGENT_JOIN_TIMEOUT_MS or the
 * conversation ends cleanly with a message.
 */
import type { ControlClient } from './control-client.ts';
import type { Conversation, ConversationEvents, WidgetState } from './conversation.ts';
import type { VoiceRoom } from './voice-room.ts';
import { WidgetError } from './widget-error.ts';

export const AGENT_JOIN_TIMEOUT_MS = 10_000;

const AGENT_STATES: Record<string, WidgetState> = {
  listening: 'listening',
  thinking: 'thinking',
  speaking: 'speaking',
};

export class VoiceConversation implements Conversation {
  readonly kind = 'voice';
  private stream: MediaStream | undefined;
  private room: VoiceRoom | undefined;
  private audio: AudioContext | undefined;
  private meterFrame = 0;
  private joinTimer: ReturnType<typeof setTimeout> | undefined;
  private over = false;

  constructor(
    private readonly client: ControlClient,
    private readonly events: ConversationEvents,
    private readonly audioParent: HTMLElement,
    private readonly joinTimeoutMs = AGENT_JOIN_TIMEOUT_MS,
    /** The LiveKit side, loaded on demand (its own chunk); a test hands in a stand-in. */
    private readonly loadRoom: () => Promise<Pick<typeof import('./voice-room.ts'), 'joinVoiceRoom'>> = () =>
      import('./voice-room.ts'),
  ) {}

  async start(): Promise<void> {
    this.events.state('connecting');
    this.stream = await askForMicrophone();
    try {
      const grant = await this.client.startVoice();
      const { joinVoiceRoom } = await this.loadRoom().catch(() => {
        throw new WidgetError('voice_connection_failed', 'The voice call could not be loaded. Please try again later.');
      });
      const microphone = this.stream.getAudioTracks()[0]!;
      this.room = await joinVoiceRoom({
        serverUrl: grant.serverUrl,
        token: grant.token,
        microphone,
        audioParent: this.audioParent,
        events: {
          agentJoined: () => {
            clearTimeout(this.joinTimer);
            this.events.state('listening');
          },
          agentState: (state) => {
            const mapped = AGENT_STATES[state];
            if (mapped && !this.over) this.events.state(mapped);
          },
          transcript: (segmentId, fromVisitor, text, final) =>
            this.events.message(`voice-${segmentId}`, fromVisitor ? 'user' : 'agent', text, final),
          disconnected: () => {
            if (!this.over) void this.stop('ended');
          },
        },
      }).catch((error: unknown) => {
        if (error instanceof WidgetError) throw error;
        throw new WidgetError(
          'voice_connection_failed',
          'The voice call could not connect. Please check your connection and try again.',
          `Speaknode: LiveKit at ${grant.serverUrl} could not be reached from this page (${String(error)}); check LIVEKIT_URL and that the page's CSP allows connect-src to it.`,
        );
      });
      this.startMeter();
      if (!this.room.agentPresent()) {
        this.joinTimer = setTimeout(() => {
          void this.stop(undefined);
          this.events.failed(
            new WidgetError('agent_not_joined', 'The assistant did not answer. Please try again in a moment.'),
          );
        }, this.joinTimeoutMs);
      }
    } catch (error) {
      await this.stop(undefined);
      throw error;
    }
  }

  async send(text: string): Promise<void> {
    const message = text.trim();
    if (!message || !this.room) return;
    await this.room.sendText(message);
  }

  setMuted(muted: boolean): void {
    void this.room?.setMuted(muted);
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  async end(): Promise<void> {
    await this.stop('ended');
  }

  private async stop(finalState: WidgetState | undefined): Promise<void> {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.joinTimer);
    cancelAnimationFrame(this.meterFrame);
    const room = this.room;
    this.room = undefined;
    await room?.leave().catch(() => {});
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    await this.audio?.close().catch(() => {});
    this.events.level?.(0);
    if (finalState) this.events.state(finalState);
  }

  /** The level meter: RMS of the microphone through an AnalyserNode, once per frame. */
  private startMeter(): void {
    if (!this.stream || !this.events.level) return;
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
        this.events.level?.(Math.min(1, Math.sqrt(sum / samples.length) * 4));
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
    throw new WidgetError(
      'microphone_unavailable',
      'Voice needs a microphone, and this browser does not offer one here.',
      'Speaknode: voice needs a secure context (https) and a browser with getUserMedia.',
    );
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (error) {
    const name = (error as DOMException | undefined)?.name;
    if (name === 'NotAllowedError' || name === 'SecurityError') {
      throw new WidgetError(
        'microphone_denied',
        'The microphone is blocked. Allow it in your browser to talk, or type instead.',
        'Speaknode: microphone permission was denied; if the page sets a Permissions-Policy, it must allow microphone for this page.',
      );
    }
    throw new WidgetError('microphone_unavailable', 'No microphone could be found. You can type instead.');
  }
}
