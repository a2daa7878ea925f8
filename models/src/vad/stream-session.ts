/**
 * One `WS /v1/stt/stream` connection: PCM arrives in frames of any size, Silero VAD on the host
 * cuts it into utterances, and each utterance is transcribed by the same batched recogniser as
 * `POST /v1/stt/transcribe`. While someone speaks a partial transcript of the speech so far is
 * sent about once a second; when they stop (or after `maxUtteranceSeconds`) the final one.
 * Finals leave in the order the utterances ended.
 */
import type { ModelHost, Transcription } from '../catalog/model-host.ts';
import type { Word } from '../stt/vocabulary.ts';
import { VAD_WINDOW, type VadState } from './silero-vad.ts';

export interface StreamSettings {
  model: string;
  language: string | undefined;
  /** Speech probability at or above which a window is speech. */
  threshold: number;
  /** Silence that ends an utterance. */
  minSilenceMs: number;
  /** Speech shorter than this is ignored. */
  minSpeechMs: number;
  /** Audio kept from before the speech started. */
  prefixMs: number;
  partialEveryMs: number;
  maxUtteranceSeconds: number;
  /** Unprocessed audio beyond which the client is sending faster than the host can keep up. */
  maxBacklogSeconds: number;
}

export const DEFAULT_STREAM_SETTINGS: Omit<StreamSettings, 'model' | 'language'> = {
  threshold: 0.5,
  minSilenceMs: 500,
  minSpeechMs: 250,
  prefixMs: 200,
  partialEveryMs: 1000,
  maxUtteranceSeconds: 30,
  maxBacklogSeconds: 10,
};

export type StreamMessage =
  | { type: 'ready'; model: string; sampleRate: number }
  | { type: 'speech_started'; time: number }
  | { type: 'partial'; text: string; start: number }
  | {
      type: 'final';
      text: string;
      language: string | undefined;
      start: number;
      end: number;
      durationSeconds: number;
      words: Word[];
    }
  | { type: 'error'; message: string };

const RATE = 16_000;
const MS = RATE / 1000;

export class StreamOverloadError extends Error {}

export class RecognitionStream {
  private pending = new Float32Array(0);
  private vadState: VadState;
  private processed = 0;
  private history: Float32Array[] = [];
  private speech: Float32Array[] | undefined;
  private speechStart = 0;
  private speechSamples = 0;
  private silenceSamples = 0;
  private sinceLastPartial = 0;
  private partialInFlight = false;
  private vadRunning: Promise<void> = Promise.resolve();
  private finals: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly host: ModelHost,
    private readonly settings: StreamSettings,
    private readonly send: (message: StreamMessage) => void,
    private readonly fail: (error: Error) => void,
  ) {
    this.vadState = host.newVadState();
  }

  /** 16 kHz samples; returns once they are queued for the VAD. */
  push(samples: Float32Array): void {
    if (this.closed) return;
    const backlog = this.pending.length + samples.length;
    if (backlog > this.settings.maxBacklogSeconds * RATE) {
      this.fail(
        new StreamOverloadError(
          `more than ${this.settings.maxBacklogSeconds} s of audio is waiting for the VAD; send audio in real time`,
        ),
      );
      return;
    }
    const joined = new Float32Array(backlog);
    joined.set(this.pending);
    joined.set(samples, this.pending.length);
    this.pending = joined;
    this.vadRunning = this.vadRunning.then(() => this.runVad()).catch((error: Error) => this.fail(error));
  }

  private async runVad(): Promise<void> {
    const windows = Math.floor(this.pending.length / VAD_WINDOW);
    if (windows === 0 || this.closed) return;
    const chunk = this.pending.slice(0, windows * VAD_WINDOW);
    this.pending = this.pending.slice(windows * VAD_WINDOW);
    const audio = chunk.slice();
    const result = await this.host.vad(chunk, this.vadState);
    this.vadState = { state: result.state, context: result.context };
    for (let w = 0; w < windows; w++) {
      this.onWindow(
        audio.subarray(w * VAD_WINDOW, (w + 1) * VAD_WINDOW),
        (result.probabilities[w] as number) >= this.settings.threshold,
      );
    }
  }

  private onWindow(window: Float32Array, isSpeech: boolean): void {
    const at = this.processed;
    this.processed += window.length;
    if (!this.speech) {
      this.history.push(window);
      const keep =
        Math.ceil((this.settings.prefixMs * MS) / VAD_WINDOW) +
        Math.ceil((this.settings.minSpeechMs * MS) / VAD_WINDOW);
      if (this.history.length > keep) this.history.shift();
      if (isSpeech) {
        this.speechSamples += window.length;
        if (this.speechSamples >= this.settings.minSpeechMs * MS) {
          const prefixWindows =
            Math.ceil((this.settings.prefixMs * MS) / VAD_WINDOW) + Math.ceil(this.speechSamples / VAD_WINDOW);
          this.speech = this.history.slice(-prefixWindows);
          this.speechStart = at + window.length - this.speech.reduce((n, w) => n + w.length, 0);
          this.history = [];
          this.silenceSamples = 0;
          this.sinceLastPartial = 0;
          this.send({ type: 'speech_started', time: this.speechStart / RATE });
        }
      } else {
        this.speechSamples = 0;
      }
      return;
    }
    this.speech.push(window);
    this.sinceLastPartial += window.length;
    this.silenceSamples = isSpeech ? 0 : this.silenceSamples + window.length;
    const length = this.speech.reduce((n, w) => n + w.length, 0);
    if (this.silenceSamples >= this.settings.minSilenceMs * MS || length >= this.settings.maxUtteranceSeconds * RATE) {
      this.finish();
    } else if (this.sinceLastPartial >= this.settings.partialEveryMs * MS && !this.partialInFlight) {
      this.sinceLastPartial = 0;
      this.partial();
    }
  }

  private joined(): Float32Array {
    const parts = this.speech ?? [];
    const out = new Float32Array(parts.reduce((n, w) => n + w.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  private partial(): void {
    const audio = this.joined();
    const start = this.speechStart / RATE;
    this.partialInFlight = true;
    this.host
      .transcribe(this.settings.model, audio, RATE, this.settings.language)
      .then((result) => {
        if (!this.closed && this.speech && this.speechStart / RATE === start)
          this.send({ type: 'partial', text: result.text, start });
      })
      .catch(() => {})
      .finally(() => {
        this.partialInFlight = false;
      });
  }

  private finish(): void {
    if (!this.speech) return;
    // Trailing silence beyond a little padding is not part of the utterance.
    const trailing = Math.max(0, this.silenceSamples - this.settings.prefixMs * MS);
    const whole = this.joined();
    const audio = whole.subarray(0, whole.length - trailing);
    const start = this.speechStart / RATE;
    this.speech = undefined;
    this.speechSamples = 0;
    this.silenceSamples = 0;
    const transcription = this.host.transcribe(this.settings.model, audio, RATE, this.settings.language);
    this.finals = this.finals.then(async () => {
      let result: Transcription;
      try {
        result = await transcription;
      } catch (error) {
        this.send({ type: 'error', message: `an utterance could not be transcribed: ${(error as Error).message}` });
        return;
      }
      if (this.closed) return;
      this.send({
        type: 'final',
        text: result.text,
        language: result.language,
        start,
        end: start + result.durationSeconds,
        durationSeconds: result.durationSeconds,
        words: result.words.map((w) => ({ word: w.word, start: round(start + w.start), end: round(start + w.end) })),
      });
    });
  }

  /** Ends the utterance in progress now (the client said it is done), after the audio already sent. */
  async flush(): Promise<void> {
    await this.vadRunning;
    this.finish();
    await this.finals;
  }

  close(): void {
    this.closed = true;
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
