/**
 * Speech recognition on the self-hosted models host (Parakeet). The interface is deliberately
 * small and documented in this package's README ("speaknode-models STT interface"):
 *
 *   POST {MODELS_URL}/v1/stt/transcribe?model=<model>&language=<bcp47>
 *   Content-Type: audio/wav (PCM 16-bit little-endian, mono, any sample rate)
 *   → 200 {"text": string, "language"?: string, "durationSeconds"?: number, "words"?: [{word, start, end}]}
 *   → 4xx/5xx application/problem+json {"title", "detail"}
 *
 * The session's VAD cuts the caller's speech into utterances (`stt.StreamAdapter`), so the host
 * needs no streaming endpoint of its own.
 */
import { APIConnectionError, type APIConnectOptions, APIStatusError, mergeFrames, stt } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';

export interface SpeaknodeModelsSTTOptions {
  baseUrl: string;
  model: string;
  language: string;
  /** MODELS_API_TOKEN, sent as `Authorization: Bearer …` when the host requires it. */
  apiToken?: string;
  fetch?: typeof fetch;
}

/** A WAV container around 16-bit PCM. */
export function encodeWav(frame: AudioFrame): Buffer {
  const pcm = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
  const header = Buffer.alloc(44);
  const byteRate = frame.sampleRate * frame.channels * 2;
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(frame.channels, 22);
  header.writeUInt32LE(frame.sampleRate, 24);
  header.writeUInt32LE(byteRate, 28);
  header.writeUInt16LE(frame.channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

export class SpeaknodeModelsSTT extends stt.STT {
  label = 'speaknode-models.STT';

  constructor(private readonly opts: SpeaknodeModelsSTTOptions) {
    super({ streaming: false, interimResults: false });
  }

  override get model(): string {
    return this.opts.model;
  }

  override get provider(): string {
    return 'speaknode-models';
  }

  protected async _recognize(buffer: AudioFrame[] | AudioFrame, abortSignal?: AbortSignal): Promise<stt.SpeechEvent> {
    const frame = mergeFrames(buffer);
    const url = new URL('/v1/stt/transcribe', this.opts.baseUrl);
    url.searchParams.set('model', this.opts.model);
    url.searchParams.set('language', this.opts.language);
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, {
        method: 'POST',
        headers: {
          'content-type': 'audio/wav',
          ...(this.opts.apiToken ? { authorization: `Bearer ${this.opts.apiToken}` } : {}),
        },
        body: new Uint8Array(encodeWav(frame)),
        signal: abortSignal,
      });
    } catch (error) {
      throw new APIConnectionError({
        message: `the models host at ${this.opts.baseUrl} is unreachable: ${(error as Error).message}`,
      });
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
      throw new APIStatusError({
        message: `the models host answered ${res.status}: ${body.detail ?? body.title ?? res.statusText}`,
        options: { statusCode: res.status, body },
      });
    }
    const payload = (await res.json()) as { text?: unknown; language?: unknown; durationSeconds?: unknown };
    if (typeof payload.text !== 'string') {
      throw new APIStatusError({
        message: 'the models host answered without a "text" field',
        options: { statusCode: 502, retryable: false },
      });
    }
    const duration =
      typeof payload.durationSeconds === 'number'
        ? payload.durationSeconds
        : frame.samplesPerChannel / frame.sampleRate;
    return {
      type: stt.SpeechEventType.FINAL_TRANSCRIPT,
      alternatives: [
        {
          text: payload.text,
          language: (typeof payload.language === 'string' ? payload.language : this.opts.language) as never,
          startTime: 0,
          endTime: duration,
          confidence: 1,
        },
      ],
      recognitionUsage: { audioDuration: duration },
    };
  }

  stream(_options?: { connOptions?: APIConnectOptions }): stt.SpeechStream {
    throw new Error('speaknode-models STT recognizes utterances; wrap it in stt.StreamAdapter with a VAD');
  }
}
