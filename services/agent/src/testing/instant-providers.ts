/**
 * Providers that answer instantly, for the benchmark and voice-pipeline tests: a streaming STT whose
 * transcripts the caller scripts, an LLM that streams a fixed reply (or a scripted tool call), a
 * streaming TTS, and audio input/output that need no room. Each records when it was asked, so the
 * time the platform itself spends between them can be measured.
 */
import { type APIConnectOptions, type llm, llm as llmNs, stt, tts, voice } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';

export interface Marks {
  transcript?: number;
  llmRequest?: number;
  firstToken?: number;
  ttsRequest?: number;
}
export const marks: { current: Marks } = { current: {} };

export class InstantSpeechStream extends stt.SpeechStream {
  label = 'bench.stt';
  protected async run(): Promise<void> {
    for await (const _ of this.input) {
      // audio is ignored: the transcript is scripted
    }
  }
  say(text: string): void {
    const alternatives: [stt.SpeechData] = [
      { text, language: 'en' as never, startTime: 0, endTime: 0.5, confidence: 1 },
    ];
    this.queue.put({ type: stt.SpeechEventType.START_OF_SPEECH });
    marks.current.transcript = performance.now();
    this.queue.put({ type: stt.SpeechEventType.FINAL_TRANSCRIPT, alternatives });
    this.queue.put({ type: stt.SpeechEventType.END_OF_SPEECH, alternatives });
    this.queue.put({ type: stt.SpeechEventType.RECOGNITION_USAGE, recognitionUsage: { audioDuration: 0.5 } });
  }
}

export class InstantSTT extends stt.STT {
  label = 'bench.stt';
  streams: InstantSpeechStream[] = [];
  constructor() {
    super({ streaming: true, interimResults: false });
  }
  protected async _recognize(): Promise<stt.SpeechEvent> {
    throw new Error('streaming only');
  }
  stream(options?: { connOptions?: APIConnectOptions }): InstantSpeechStream {
    const s = new InstantSpeechStream(this, undefined, options?.connOptions);
    this.streams.push(s);
    return s;
  }
}

/** What the instant LLM answers to a request; by default a short sentence. */
export type InstantReply = (chatCtx: llm.ChatContext) => {
  text?: string;
  toolCalls?: Array<{ name: string; args: object }>;
};

const defaultReply: InstantReply = () => ({ text: 'Sure, we are open at nine.' });

export class InstantLLMStream extends llmNs.LLMStream {
  constructor(
    llmInstance: llmNs.LLM,
    params: ConstructorParameters<typeof llmNs.LLMStream>[1],
    private readonly reply: InstantReply,
  ) {
    super(llmInstance, params);
  }

  protected async run(): Promise<void> {
    const { text, toolCalls } = this.reply(this.chatCtx);
    marks.current.firstToken = performance.now();
    for (const word of text?.match(/\S+\s*/g) ?? []) {
      this.queue.put({ id: 'instant', delta: { role: 'assistant', content: word } });
    }
    if (toolCalls?.length) {
      this.queue.put({
        id: 'instant',
        delta: {
          role: 'assistant',
          toolCalls: toolCalls.map((call, i) =>
            llmNs.FunctionCall.create({
              callId: `instant_${Date.now()}_${i}`,
              name: call.name,
              args: JSON.stringify(call.args),
            }),
          ),
        },
      });
    }
    this.queue.put({
      id: 'instant',
      delta: { role: 'assistant' },
      usage: { completionTokens: 6, promptTokens: 20, promptCachedTokens: 0, totalTokens: 26 },
    });
  }
}

export class InstantLLM extends llmNs.LLM {
  constructor(private readonly reply: InstantReply = defaultReply) {
    super();
  }
  label(): string {
    return 'instant.llm';
  }
  chat(params: {
    chatCtx: llm.ChatContext;
    toolCtx?: llm.ToolContextLike;
    connOptions?: APIConnectOptions;
  }): llm.LLMStream {
    marks.current.llmRequest = performance.now();
    return new InstantLLMStream(
      this,
      {
        chatCtx: params.chatCtx,
        toolCtx: params.toolCtx,
        connOptions: params.connOptions ?? { maxRetry: 0, retryIntervalMs: 0, timeoutMs: 10_000 },
      },
      this.reply,
    );
  }
}

export class InstantSynthesizeStream extends tts.SynthesizeStream {
  label = 'bench.tts';
  protected async run(): Promise<void> {
    let segment = 0;
    let started = false;
    for await (const input of this.input) {
      if (input === tts.SynthesizeStream.FLUSH_SENTINEL) {
        started = false;
        const frame = new AudioFrame(new Int16Array(240), 24000, 1, 240);
        this.queue.put({ requestId: `r${segment}`, segmentId: `s${segment}`, frame, final: true });
        this.queue.put(tts.SynthesizeStream.END_OF_STREAM);
        segment++;
        continue;
      }
      if (marks.current.ttsRequest === undefined) {
        marks.current.ttsRequest = performance.now();
      }
      if (!started) {
        // What a real plugin does when its request goes out: metrics (characters) count from here.
        this.markStarted();
        started = true;
      }
    }
  }
}

export class InstantTTS extends tts.TTS {
  label = 'bench.tts';
  constructor() {
    super(24000, 1, { streaming: true });
  }
  synthesize(): tts.ChunkedStream {
    throw new Error('streaming only');
  }
  stream(options?: { connOptions?: APIConnectOptions }): tts.SynthesizeStream {
    return new InstantSynthesizeStream(
      this,
      options?.connOptions ?? { maxRetry: 0, retryIntervalMs: 0, timeoutMs: 10_000 },
    );
  }
}

/** Plays instantly: a segment finishes as soon as it is flushed. */
export class InstantAudioOutput extends voice.AudioOutput {
  private pending: NodeJS.Timeout | undefined;
  private started = 0;

  /** `playoutMs`: how long each segment takes to "play"; 0 finishes as soon as it is flushed. */
  constructor(private readonly playoutMs = 0) {
    super(24000);
  }
  override async captureFrame(frame: AudioFrame): Promise<void> {
    await super.captureFrame(frame);
    this.started ||= Date.now();
    this.onPlaybackStarted(Date.now());
  }
  override flush(): void {
    super.flush();
    const finish = () => {
      this.pending = undefined;
      this.started = 0;
      this.onPlaybackFinished({ playbackPosition: this.playoutMs / 1000, interrupted: false });
    };
    if (this.playoutMs === 0) setImmediate(finish);
    else this.pending = setTimeout(finish, this.playoutMs);
  }
  clearBuffer(): void {
    // The agent was interrupted: playback stops where it was.
    if (!this.pending) return;
    clearTimeout(this.pending);
    this.pending = undefined;
    const position = this.started ? (Date.now() - this.started) / 1000 : 0;
    this.started = 0;
    this.onPlaybackFinished({ playbackPosition: position, interrupted: true });
  }
}

export class SilentAudioInput extends voice.AudioInput {
  private timer: NodeJS.Timeout | undefined;
  constructor() {
    super();
    const { ReadableStream } = globalThis as unknown as {
      ReadableStream: typeof import('node:stream/web').ReadableStream;
    };
    this.multiStream.addInputStream(
      new ReadableStream<AudioFrame>({
        start: (controller) => {
          this.timer = setInterval(() => controller.enqueue(new AudioFrame(new Int16Array(160), 16000, 1, 160)), 10);
        },
      }),
    );
  }
  stop() {
    clearInterval(this.timer);
  }
}
