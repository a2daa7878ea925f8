/**
 * Turns a session's events into transcript turns and usage, and posts them to control in order.
 * Posts are sequential and idempotent by `sequence` (control ignores a turn it already has), so a
 * retried post after a network error never duplicates a turn.
 */
import { llm, voice } from '@livekit/agents';
import type { CallUsage, TranscriptAppend, TranscriptTurn } from '@speaknode/contracts';

export interface ToolCallRecord {
  name: string;
  arguments: string;
  output?: string;
  isError: boolean;
  durationMs?: number;
}

export interface TranscriptSink {
  appendTranscript(callId: string, append: TranscriptAppend): Promise<void>;
}

const MAX_TEXT = 65_536;
const clip = (text: string) => (text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);
const iso = (ms: number) => new Date(ms).toISOString();
const afterPendingIo = () => new Promise<void>((resolve) => setImmediate(resolve));

export class TranscriptRecorder {
  readonly turns: TranscriptTurn[] = [];
  private pendingToolCalls: ToolCallRecord[] = [];
  private posted = 0;
  private posting: Promise<void> = Promise.resolve();
  toolCallCount = 0;
  readonly errors: string[] = [];

  constructor(
    private readonly callId: string,
    private readonly sink: TranscriptSink | undefined,
    private readonly log: (message: string) => void = () => {},
    private readonly retryDelaysMs: readonly number[] = [200, 1_000, 3_000],
  ) {}

  attach(session: voice.AgentSession): void {
    session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
      if (ev.item instanceof llm.ChatMessage) this.onMessage(ev.item, ev.createdAt);
    });
    session.on(voice.AgentSessionEventTypes.FunctionToolsExecuted, (ev) => {
      ev.functionCalls.forEach((call, i) => {
        const output = ev.functionCallOutputs[i];
        this.pendingToolCalls.push({
          name: call.name,
          arguments: clip(call.args),
          output: output ? clip(output.output) : undefined,
          isError: output?.isError ?? false,
          durationMs: output ? Math.max(0, output.createdAt - call.createdAt) : undefined,
        });
        this.toolCallCount++;
      });
    });
  }

  /** Tool calls made since the last agent turn (what a text-session reply reports). */
  takeToolCallsSince(index: number): ToolCallRecord[] {
    return this.turns.slice(index).flatMap((t) => t.toolCalls as ToolCallRecord[]);
  }

  private onMessage(message: llm.ChatMessage, at: number): void {
    if (message.role !== 'user' && message.role !== 'assistant') return;
    const text = message.textContent ?? '';
    const speaker = message.role === 'user' ? 'user' : 'agent';
    const toolCalls = speaker === 'agent' ? this.pendingToolCalls.splice(0, 32) : [];
    if (!text && toolCalls.length === 0) return;
    this.push({
      speaker,
      text: clip(text),
      startedAt: iso(message.createdAt),
      endedAt: iso(Math.max(at, message.createdAt)),
      interrupted: message.interrupted,
      toolCalls,
    });
  }

  /** Tool calls the model made with no reply after them (e.g. the call ended) become a system turn. */
  flushPendingToolCalls(): void {
    if (this.pendingToolCalls.length === 0) return;
    const now = Date.now();
    this.push({
      speaker: 'system',
      text: '',
      startedAt: iso(now),
      endedAt: iso(now),
      interrupted: false,
      toolCalls: this.pendingToolCalls.splice(0, 32),
    });
  }

  private push(turn: TranscriptTurn): void {
    this.turns.push(turn);
    // After what the turn set going (the reply's LLM request): the post is background work, the reply is not.
    if (this.sink) this.posting = this.posting.then(afterPendingIo).then(() => this.postPending());
  }

  private async postPending(): Promise<void> {
    while (this.posted < this.turns.length) {
      const turns = this.turns.slice(this.posted, this.posted + 100);
      const append = { sequence: this.posted, turns };
      for (let attempt = 0; ; attempt++) {
        try {
          await this.sink?.appendTranscript(this.callId, append);
          break;
        } catch (error) {
          const delay = this.retryDelaysMs[attempt];
          if (delay === undefined) {
            const message = `transcript turns ${append.sequence}…${append.sequence + turns.length - 1} of call ${this.callId} were not saved: ${(error as Error).message}`;
            this.errors.push(message);
            this.log(message);
            break;
          }
          await new Promise((r) => setTimeout(r, delay));
        }
      }
      this.posted += turns.length;
    }
  }

  /** Resolves when every turn so far has been posted (or given up on). */
  async drain(): Promise<void> {
    await this.posting;
  }
}

/** The call's usage from the session's model usage and our own tool-call count. */
export function usageOf(
  modelUsage: ReadonlyArray<Record<string, unknown>>,
  toolCalls: number,
  callSeconds: number,
): CallUsage {
  const usage: CallUsage = {
    callSeconds: Math.max(0, callSeconds),
    sttSeconds: 0,
    ttsCharacters: 0,
    llmPromptTokens: 0,
    llmCompletionTokens: 0,
    toolCalls,
  };
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  for (const entry of modelUsage) {
    if (entry.type === 'llm_usage') {
      usage.llmPromptTokens += Math.round(num(entry.inputTokens));
      usage.llmCompletionTokens += Math.round(num(entry.outputTokens));
    } else if (entry.type === 'tts_usage') {
      usage.ttsCharacters += Math.round(num(entry.charactersCount));
    } else if (entry.type === 'stt_usage') {
      usage.sttSeconds += num(entry.audioDurationMs) / 1000;
    }
  }
  return usage;
}
