/**
 * A Piper voice on the self-hosted models host. The host synthesises sentence by sentence and
 * streams raw PCM as each sentence is ready, so the first audio plays before the whole reply is
 * synthesised:
 *
 *   POST {MODELS_URL}/v1/tts/synthesize   {"text", "voice", "format": "pcm"}
 *   → 200 audio/pcm (16-bit little-endian mono), `x-sample-rate: <voice rate>`, chunked
 *   → 4xx/5xx application/problem+json {"title", "detail"}
 *
 * Frames carry the voice's own rate (22,050 Hz for Piper's medium voices); the framework resamples
 * them to the room's rate.
 */
import {
  APIConnectionError,
  type APIConnectOptions,
  APIStatusError,
  AudioByteStream,
  shortuuid,
  tts,
} from '@livekit/agents';

export interface SpeaknodeModelsTTSOptions {
  baseUrl: string;
  voice: string;
  model?: string;
  /** The rate the voice is expected to speak at; the host's `x-sample-rate` is what frames get. */
  sampleRate?: number;
  apiToken?: string;
  fetch?: typeof fetch;
}

export class SpeaknodeModelsTTS extends tts.TTS {
  label = 'speaknode-models.TTS';
  private readonly abortController = new AbortController();

  constructor(readonly opts: SpeaknodeModelsTTSOptions) {
    super(opts.sampleRate ?? 22_050, 1, { streaming: false });
  }

  override get model(): string {
    return this.opts.model ?? 'piper';
  }

  override get provider(): string {
    return 'speaknode-models';
  }

  synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): tts.ChunkedStream {
    const signal = abortSignal
      ? AbortSignal.any([abortSignal, this.abortController.signal])
      : this.abortController.signal;
    return new SpeaknodeModelsChunkedStream(this, text, connOptions, signal);
  }

  stream(): tts.SynthesizeStream {
    throw new Error('speaknode-models TTS synthesises whole texts (sentence by sentence); use synthesize()');
  }

  override async close(): Promise<void> {
    this.abortController.abort();
  }
}

class SpeaknodeModelsChunkedStream extends tts.ChunkedStream {
  label = 'speaknode-models.ChunkedStream';

  constructor(
    private readonly owner: SpeaknodeModelsTTS,
    text: string,
    connOptions: APIConnectOptions | undefined,
    private readonly signal: AbortSignal,
  ) {
    super(text, owner, connOptions, signal);
  }

  protected async run(): Promise<void> {
    const { opts } = this.owner;
    const url = new URL('/v1/tts/synthesize', opts.baseUrl);
    let res: Response;
    try {
      res = await (opts.fetch ?? fetch)(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(opts.apiToken ? { authorization: `Bearer ${opts.apiToken}` } : {}),
        },
        body: JSON.stringify({ text: this.inputText, voice: opts.voice, format: 'pcm' }),
        signal: this.signal,
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      throw new APIConnectionError({
        message: `the models host at ${opts.baseUrl} is unreachable: ${(error as Error).message}`,
      });
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
      throw new APIStatusError({
        message: `the models host answered ${res.status}: ${body.detail ?? body.title ?? res.statusText}`,
        options: { statusCode: res.status, body },
      });
    }
    const sampleRate = Number(res.headers.get('x-sample-rate'));
    if (!Number.isInteger(sampleRate) || sampleRate < 8000) {
      throw new APIStatusError({
        message: 'the models host answered without an x-sample-rate header',
        options: { statusCode: 502, retryable: false },
      });
    }
    const requestId = shortuuid();
    const bytes = new AudioByteStream(sampleRate, 1);
    let last: Parameters<typeof this.queue.put>[0]['frame'] | undefined;
    const send = (final: boolean) => {
      if (last) this.queue.put({ requestId, segmentId: requestId, frame: last, final });
      last = undefined;
    };
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const copy = chunk.slice();
        for (const frame of bytes.write(copy.buffer)) {
          send(false);
          last = frame;
        }
      }
      for (const frame of bytes.flush()) {
        send(false);
        last = frame;
      }
      send(true);
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      throw new APIConnectionError({ message: `the models host stopped sending audio: ${(error as Error).message}` });
    } finally {
      this.queue.close();
    }
  }
}
