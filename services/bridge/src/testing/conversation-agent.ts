/**
 * The real agent in the bridge's in-memory room: the agent service's `Conversation` (and so the
 * framework's `AgentSession`, with Silero VAD deciding turns and interruptions) hears the caller
 * through the bridge and talks back through it in real time. Only the providers are stand-ins:
 * an STT that "recognises" a scripted line per utterance (nothing for a sound too short to be
 * words), the agent service's instant LLM, and a TTS that speaks with espeak-ng.
 */
import type { ReadableStream as NodeReadableStream, ReadableStreamDefaultController } from 'node:stream/web';
import { type APIConnectOptions, stt, tts, type VAD, voice } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { Conversation } from '@speaknode/agent/conversation';
import { ensureFrameworkLogger } from '@speaknode/agent/framework';
import { CALL_ID, runtimeConfig } from '@speaknode/agent/testing/fixtures.ts';
import { InstantLLM, type InstantReply } from '@speaknode/agent/testing/instant-providers.ts';
import type { AgentInput } from '@speaknode/contracts';
import type { MemoryAgent, MemoryAgentContext } from '../room/memory-room.ts';
import { speech } from './speech.ts';

const RATE = 48_000;
const FRAME = 960;

/** Caller audio from the room, as the session's audio input. */
class RoomAudioInput extends voice.AudioInput {
  private controller: ReadableStreamDefaultController<AudioFrame> | undefined;
  constructor() {
    super();
    const { ReadableStream } = globalThis as unknown as { ReadableStream: typeof NodeReadableStream };
    this.multiStream.addInputStream(
      new ReadableStream<AudioFrame>({
        start: (controller) => {
          this.controller = controller;
        },
      }),
    );
  }
  push(frame: Int16Array): void {
    try {
      this.controller?.enqueue(new AudioFrame(frame, RATE, 1, frame.length));
    } catch {
      // closed
    }
  }
  stop(): void {
    try {
      this.controller?.close();
    } catch {
      // already closed
    }
    this.controller = undefined;
  }
}

interface Segment {
  chunks: Int16Array[];
  flushed: boolean;
  played: number;
  started: boolean;
}

/**
 * The agent's voice in the room: 20 ms frames in real time, silence when there is nothing to say
 * (as a LiveKit track carries), pausable as the framework's room output is (false-interruption
 * resume), segments reported played or interrupted.
 */
class RoomAudioOutput extends voice.AudioOutput {
  private segments: Segment[] = [];
  private carry = new Int16Array(FRAME);
  private carryLength = 0;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly silence = new Int16Array(FRAME);

  constructor(private readonly say: (frame: Int16Array) => void) {
    super(RATE, undefined, { pause: true });
    let next = performance.now();
    const tick = () => {
      this.tick();
      next += 20;
      // After a stall, carry on from now rather than burst to catch up.
      if (next < performance.now() - 40) next = performance.now();
      this.timer = setTimeout(tick, Math.max(0, next - performance.now()));
    };
    this.timer = setTimeout(tick, 0);
  }

  private open(): Segment {
    const last = this.segments.at(-1);
    if (last && !last.flushed) return last;
    const segment: Segment = { chunks: [], flushed: false, played: 0, started: false };
    this.segments.push(segment);
    return segment;
  }

  override async captureFrame(frame: AudioFrame): Promise<void> {
    await super.captureFrame(frame);
    const segment = this.open();
    const data = frame.data;
    let read = 0;
    while (read < data.length) {
      const take = Math.min(FRAME - this.carryLength, data.length - read);
      this.carry.set(data.subarray(read, read + take), this.carryLength);
      this.carryLength += take;
      read += take;
      if (this.carryLength === FRAME) {
        segment.chunks.push(this.carry);
        this.carry = new Int16Array(FRAME);
        this.carryLength = 0;
      }
    }
  }

  override flush(): void {
    super.flush();
    const last = this.segments.at(-1);
    if (!last || last.flushed) return;
    if (this.carryLength > 0) {
      last.chunks.push(this.carry.slice(0, FRAME));
      this.carry = new Int16Array(FRAME);
      this.carryLength = 0;
    }
    last.flushed = true;
  }

  clearBuffer(): void {
    this.carryLength = 0;
    for (const segment of this.segments.splice(0)) {
      this.onPlaybackFinished({ playbackPosition: (segment.played * FRAME) / RATE, interrupted: true });
    }
  }

  override pause(): void {
    this.paused = true;
    super.pause();
  }

  override resume(): void {
    this.paused = false;
    super.resume();
  }

  private tick(): void {
    const segment = this.segments[0];
    if (this.paused || !segment) {
      this.say(this.silence);
      return;
    }
    const chunk = segment.chunks.shift();
    if (chunk) {
      if (!segment.started) {
        segment.started = true;
        this.onPlaybackStarted(Date.now());
      }
      segment.played++;
      this.say(chunk);
      return;
    }
    this.say(this.silence);
    if (segment.flushed) {
      this.segments.shift();
      this.onPlaybackFinished({ playbackPosition: (segment.played * FRAME) / RATE, interrupted: false });
    }
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** Recognises nothing in a sound shorter than `minWordsMs` (a cough, an "mm"), else the next scripted line. */
export class ScriptedSTT extends stt.STT {
  label = 'scripted.stt';
  /** What each recognised utterance was, with its length. */
  readonly utterances: Array<{ seconds: number; soundingMs: number; text: string }> = [];
  constructor(
    private readonly next: () => string,
    private readonly minWordsMs = 300,
  ) {
    super({ streaming: false, interimResults: false });
  }
  protected async _recognize(buffer: AudioFrame | AudioFrame[]): Promise<stt.SpeechEvent> {
    const frames = Array.isArray(buffer) ? buffer : [buffer];
    const seconds = frames.reduce((sum, f) => sum + f.samplesPerChannel / f.sampleRate, 0);
    // The VAD's utterance carries padding and trailing silence: words are judged on the part
    // that is sounding (10 ms windows within 20 dB of the loudest).
    const windows: number[] = [];
    for (const f of frames) {
      const size = f.sampleRate / 100;
      for (let i = 0; i + size <= f.data.length; i += size) {
        let power = 0;
        for (let j = i; j < i + size; j++) power += (f.data[j] as number) ** 2;
        windows.push(Math.sqrt(power / size));
      }
    }
    const loudest = Math.max(0, ...windows);
    const soundingMs = windows.filter((r) => r > 30 && r >= loudest / 10).length * 10;
    const text = soundingMs < this.minWordsMs ? '' : this.next();
    this.utterances.push({ seconds, soundingMs, text });
    return {
      type: stt.SpeechEventType.FINAL_TRANSCRIPT,
      alternatives: [{ text, language: 'en' as never, startTime: 0, endTime: seconds, confidence: 1 }],
    };
  }
  stream(): stt.SpeechStream {
    throw new Error('not streaming: wrap it in stt.StreamAdapter');
  }
}

class EspeakStream extends tts.SynthesizeStream {
  label = 'espeak.tts';
  protected async run(): Promise<void> {
    let text = '';
    let segment = 0;
    for await (const input of this.input) {
      if (input !== tts.SynthesizeStream.FLUSH_SENTINEL) {
        if (!text) this.markStarted();
        text += input;
        continue;
      }
      const line = text.trim();
      text = '';
      const samples = line ? speech(line).pcm48k : new Int16Array(FRAME);
      for (let i = 0; i < samples.length; i += FRAME) {
        const chunk = new Int16Array(FRAME);
        chunk.set(samples.subarray(i, Math.min(i + FRAME, samples.length)));
        this.queue.put({
          requestId: `r${segment}`,
          segmentId: `s${segment}`,
          frame: new AudioFrame(chunk, RATE, 1, FRAME),
          final: i + FRAME >= samples.length,
        });
      }
      this.queue.put(tts.SynthesizeStream.END_OF_STREAM);
      segment++;
    }
  }
}

/** Speaks with espeak-ng (the lines are synthesised once and cached: call `speech(line)` ahead to warm it). */
export class EspeakTTS extends tts.TTS {
  label = 'espeak.tts';
  constructor() {
    super(RATE, 1, { streaming: true });
  }
  synthesize(): tts.ChunkedStream {
    throw new Error('streaming only');
  }
  stream(options?: { connOptions?: APIConnectOptions }): tts.SynthesizeStream {
    return new EspeakStream(this, options?.connOptions ?? { maxRetry: 0, retryIntervalMs: 0, timeoutMs: 10_000 });
  }
}

export interface ConversationAgentOptions {
  vad: VAD;
  /** The LLM's answer to each request. */
  reply: InstantReply;
  /** What the caller "said" in each utterance that has words. */
  transcripts?: () => string;
  agent?: Partial<AgentInput>;
}

/** The agent service's `Conversation` as an in-memory room's agent. */
export class ConversationAgent implements MemoryAgent {
  conversation: Conversation | undefined;
  readonly stt: ScriptedSTT;
  readonly states: Array<{ at: number; state: string }> = [];
  /** When the agent told the room the caller had cut it off. */
  readonly interruptions: number[] = [];
  readonly falseInterruptions: Array<{ at: number; resumed: boolean }> = [];
  /** Keys the agent pressed. */
  readonly keysSent: string[] = [];
  private readonly input: RoomAudioInput;
  private output: RoomAudioOutput | undefined;

  constructor(private readonly options: ConversationAgentOptions) {
    ensureFrameworkLogger('silent');
    this.input = new RoomAudioInput();
    this.stt = new ScriptedSTT(options.transcripts ?? (() => 'I have a question.'));
  }

  start(context: MemoryAgentContext): void {
    const output = new RoomAudioOutput((frame) => context.say(frame));
    this.output = output;
    const conversation = new Conversation({
      runtime: runtimeConfig('http://127.0.0.1:1/v1', { agent: this.options.agent }),
      callId: CALL_ID,
      mode: 'voice',
      channel: 'phone',
      llm: new InstantLLM(this.options.reply),
      stt: new stt.StreamAdapter(this.stt, this.options.vad),
      tts: new EspeakTTS(),
      vad: this.options.vad,
      log: () => {},
      onInterrupted: () => {
        this.interruptions.push(performance.now());
        context.interrupted();
      },
      sendDtmf: async (digit) => {
        this.keysSent.push(digit);
        context.sendDtmf(digit);
      },
    });
    this.conversation = conversation;
    conversation.session.input.audio = this.input;
    conversation.session.output.audio = output;
    conversation.session.on(voice.AgentSessionEventTypes.AgentStateChanged, (ev) => {
      this.states.push({ at: performance.now(), state: ev.newState });
      context.setState(ev.newState);
    });
    conversation.session.on(voice.AgentSessionEventTypes.AgentFalseInterruption, (ev) => {
      this.falseInterruptions.push({ at: performance.now(), resumed: ev.resumed });
    });
    void conversation.start();
  }

  onCallerAudio(frame: Int16Array): void {
    this.input.push(frame);
  }

  onDtmf(digit: string): void {
    this.conversation?.keypadPressed(digit);
  }

  stop(): void {
    this.output?.stop();
    this.input.stop();
    void this.conversation?.end('caller_hangup');
  }
}
