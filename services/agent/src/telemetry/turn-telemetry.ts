/**
 * What the agent measures per turn and per call, as spans whose names and attributes are defined in
 * contracts (`AnalyticsSpanNames`, `TurnAttributes`, …). The facts come from the AgentSession's own
 * events — `metrics_collected` (EOU, STT, LLM, TTS metrics, keyed by speech id), `speech_created`,
 * `function_tools_executed` and the assistant message's metrics report (response latency, speaking
 * times, interrupted) — so nothing in the conversation code has to time anything.
 */

import type { AgentMetrics } from '@livekit/agents';
import { llm, telemetry, voice } from '@livekit/agents';
import { type Attributes, type Context, context, type Span, trace } from '@opentelemetry/api';
import {
  type AgentInput,
  AnalyticsSpanNames,
  CallAttributes,
  ProviderAttributes,
  ToolCallAttributes,
  TurnAttributes,
} from '@speaknode/contracts';
import { type CallLabels, labelAttributes } from './telemetry.ts';

export interface ProviderModel {
  provider: string;
  model: string;
  voice?: string;
}

export interface ConversationProviders {
  llm?: ProviderModel;
  stt?: ProviderModel;
  tts?: ProviderModel;
}

/** The providers and models an agent uses, as analytics names them (an LLM endpoint by its host). */
export function providersOf(agent: AgentInput, mode: 'voice' | 'text'): ConversationProviders {
  const llmProvider = agent.llm.baseUrl ? new URL(agent.llm.baseUrl).host : 'openai';
  return {
    llm: { provider: llmProvider, model: agent.llm.model },
    ...(mode === 'voice'
      ? {
          stt: { provider: agent.stt.provider, model: agent.stt.model },
          tts: { provider: agent.tts.provider, model: agent.tts.model, voice: agent.tts.voice },
        }
      : {}),
  };
}

function providerAttributes(providers: ConversationProviders): Attributes {
  const attributes: Attributes = {};
  if (providers.llm) {
    attributes[ProviderAttributes.llmProvider] = providers.llm.provider;
    attributes[ProviderAttributes.llmModel] = providers.llm.model;
  }
  if (providers.stt) {
    attributes[ProviderAttributes.sttProvider] = providers.stt.provider;
    attributes[ProviderAttributes.sttModel] = providers.stt.model;
  }
  if (providers.tts) {
    attributes[ProviderAttributes.ttsProvider] = providers.tts.provider;
    attributes[ProviderAttributes.ttsModel] = providers.tts.model;
    if (providers.tts.voice) attributes[ProviderAttributes.ttsVoice] = providers.tts.voice;
  }
  return attributes;
}

interface ToolFact {
  name: string;
  startedAt: number;
  endedAt: number;
  error: boolean;
}

/** What one speech handle gathered while it was generated and played. */
interface TurnDraft {
  speechId: string;
  source?: string;
  createdAt: number;
  parent: Context;
  userStoppedAt?: number;
  /** When this speech's first audio played (agent state → speaking). */
  agentSpeakingAt?: number;
  eouDelayMs?: number;
  sttDurationMs?: number;
  llmTtftMs?: number;
  llmDurationMs?: number;
  promptTokens?: number;
  completionTokens?: number;
  ttsTtfbMs?: number;
  ttsCharacters?: number;
  tools: ToolFact[];
}

const add = (a: number | undefined, b: number) => (a ?? 0) + b;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export interface TurnTelemetryOptions {
  labels: CallLabels;
  providers: ConversationProviders;
  mode: 'voice' | 'text';
}

export class TurnTelemetry {
  private readonly drafts = new Map<string, TurnDraft>();
  /** The speech being generated now: tool calls and untagged metrics belong to it. */
  private current: TurnDraft | undefined;
  /** STT audio since the last answered turn (STT metrics carry no speech id). */
  private pendingSttAudioMs = 0;
  private turnIndex = 0;
  /** When the caller last stopped speaking (user state speaking → listening), for turns the EOU metrics miss. */
  private userStoppedAt: number | undefined;
  private readonly startedAt = Date.now();
  private closed = false;

  constructor(
    private readonly session: voice.AgentSession,
    private readonly options: TurnTelemetryOptions,
  ) {}

  private tracer() {
    return telemetry.tracer.getTracer();
  }

  attach(): this {
    const S = voice.AgentSessionEventTypes;
    this.session.on(S.MetricsCollected, (ev) => this.onMetrics(ev.metrics));
    this.session.on(S.SpeechCreated, (ev) => {
      const draft = this.draftFor(ev.speechHandle.id);
      draft.source = ev.source;
      draft.parent = context.active();
      if (ev.source === 'generate_reply' && !ev.userInitiated) draft.userStoppedAt ??= this.userStoppedAt;
      this.current = draft;
      ev.speechHandle.addDoneCallback((handle) => {
        // Metrics of the last step may be emitted right after playout: finish on the next turn of the loop.
        setImmediate(() => this.finish(handle));
      });
    });
    this.session.on(S.FunctionToolsExecuted, (ev) => {
      const draft = this.current;
      if (!draft) return;
      ev.functionCalls.forEach((call, i) => {
        const output = ev.functionCallOutputs[i];
        draft.tools.push({
          name: call.name,
          startedAt: call.createdAt,
          endedAt: output ? Math.max(call.createdAt, output.createdAt) : call.createdAt,
          error: output?.isError ?? false,
        });
      });
    });
    this.session.on(S.UserStateChanged, (ev) => {
      if (ev.oldState === 'speaking' && ev.newState === 'listening') this.userStoppedAt = ev.createdAt;
    });
    this.session.on(S.AgentStateChanged, (ev) => {
      if (ev.newState === 'speaking' && this.current) this.current.agentSpeakingAt ??= ev.createdAt;
    });
    this.session.on(S.Close, () => this.close());
    return this;
  }

  private draftFor(speechId: string | undefined): TurnDraft {
    if (!speechId) {
      this.current ??= this.newDraft(`unlabelled-${Date.now()}`);
      return this.current;
    }
    let draft = this.drafts.get(speechId);
    if (!draft) {
      draft = this.newDraft(speechId);
      this.drafts.set(speechId, draft);
    }
    return draft;
  }

  private newDraft(speechId: string): TurnDraft {
    return { speechId, createdAt: Date.now(), parent: context.active(), tools: [] };
  }

  private onMetrics(m: AgentMetrics): void {
    switch (m.type) {
      case 'eou_metrics': {
        if (!(m.lastSpeakingTimeMs > 0)) return;
        const draft = this.draftFor(m.speechId);
        draft.eouDelayMs = m.endOfUtteranceDelayMs;
        draft.sttDurationMs = m.transcriptionDelayMs;
        draft.userStoppedAt = m.lastSpeakingTimeMs;
        return;
      }
      case 'llm_metrics': {
        const draft = this.draftFor(m.speechId);
        if (draft.llmTtftMs === undefined && m.ttftMs >= 0) draft.llmTtftMs = m.ttftMs;
        draft.llmDurationMs = add(draft.llmDurationMs, m.durationMs);
        draft.promptTokens = add(draft.promptTokens, m.promptTokens);
        draft.completionTokens = add(draft.completionTokens, m.completionTokens);
        return;
      }
      case 'tts_metrics': {
        const draft = this.draftFor(m.speechId);
        if (draft.ttsTtfbMs === undefined && m.ttfbMs >= 0) draft.ttsTtfbMs = m.ttfbMs;
        draft.ttsCharacters = add(draft.ttsCharacters, m.charactersCount);
        return;
      }
      case 'stt_metrics':
        this.pendingSttAudioMs += m.audioDurationMs;
        return;
      default:
        return;
    }
  }

  private finish(handle: voice.SpeechHandle): void {
    const draft = this.drafts.get(handle.id);
    if (!draft) return;
    this.drafts.delete(handle.id);
    if (this.current === draft) this.current = undefined;
    const message = handle.chatItems
      .filter((item): item is llm.ChatMessage => item instanceof llm.ChatMessage && item.role === 'assistant')
      .at(-1);
    this.emitTurn(draft, message, handle.interrupted);
  }

  private emitTurn(draft: TurnDraft, message: llm.ChatMessage | undefined, interrupted: boolean): void {
    const spoke =
      message !== undefined ||
      draft.agentSpeakingAt !== undefined ||
      draft.llmDurationMs !== undefined ||
      draft.ttsCharacters !== undefined;
    if (!spoke && draft.tools.length === 0) return;
    const report = message?.metrics ?? {};
    const a = TurnAttributes;
    const attributes: Attributes = {
      ...labelAttributes(this.options.labels),
      ...providerAttributes(this.options.providers),
      [a.index]: this.turnIndex++,
      [a.interrupted]: interrupted || (message?.interrupted ?? false),
      [a.toolCalls]: draft.tools.length,
      [a.toolErrors]: draft.tools.filter((t) => t.error).length,
    };
    const set = (key: string, value: number | undefined) => {
      if (finite(value)) attributes[key] = value;
    };
    if (draft.source) attributes[a.source] = draft.source;
    set(a.eouDelayMs, draft.eouDelayMs);
    set(a.sttDurationMs, draft.sttDurationMs);
    if (draft.source === 'generate_reply' && this.pendingSttAudioMs > 0) {
      set(a.sttAudioMs, this.pendingSttAudioMs);
      this.pendingSttAudioMs = 0;
    }
    set(a.llmTtftMs, draft.llmTtftMs ?? (finite(report.llmNodeTtft) ? report.llmNodeTtft * 1000 : undefined));
    set(a.llmDurationMs, draft.llmDurationMs);
    set(a.llmPromptTokens, draft.promptTokens);
    set(a.llmCompletionTokens, draft.completionTokens);
    set(a.ttsTtfbMs, draft.ttsTtfbMs ?? (finite(report.ttsNodeTtfb) ? report.ttsNodeTtfb * 1000 : undefined));
    set(a.ttsCharacters, draft.ttsCharacters);
    // The framework's own figure when it has one (VAD end of speech); else from the user and agent states.
    const measured =
      draft.userStoppedAt !== undefined && draft.agentSpeakingAt !== undefined
        ? draft.agentSpeakingAt - draft.userStoppedAt
        : undefined;
    set(a.responseLatencyMs, finite(report.e2eLatency) ? report.e2eLatency * 1000 : measured);
    if (attributes[a.interrupted] && finite(report.startedSpeakingAt) && finite(report.stoppedSpeakingAt)) {
      set(a.interruptedAfterMs, (report.stoppedSpeakingAt - report.startedSpeakingAt) * 1000);
    }
    const startTime = draft.userStoppedAt ?? draft.createdAt;
    const endTime = Math.max(
      startTime,
      finite(report.stoppedSpeakingAt) ? report.stoppedSpeakingAt * 1000 : Date.now(),
      ...draft.tools.map((t) => t.endedAt),
    );
    const span = this.tracer().startSpan(AnalyticsSpanNames.turn, { startTime, attributes }, draft.parent);
    const inTurn = trace.setSpan(draft.parent, span);
    for (const tool of draft.tools) this.emitTool(tool, attributes[a.index] as number, inTurn);
    span.end(endTime);
  }

  private emitTool(tool: ToolFact, turnIndex: number, parent: Context): void {
    const span: Span = this.tracer().startSpan(
      AnalyticsSpanNames.toolCall,
      {
        startTime: tool.startedAt,
        attributes: {
          ...labelAttributes(this.options.labels),
          [ToolCallAttributes.name]: tool.name,
          [ToolCallAttributes.durationMs]: tool.endedAt - tool.startedAt,
          [ToolCallAttributes.error]: tool.error,
          [ToolCallAttributes.turnIndex]: turnIndex,
        },
      },
      parent,
    );
    span.end(tool.endedAt);
  }

  /** Emits what is still open, then the call span. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const draft of this.drafts.values()) this.emitTurn(draft, undefined, false);
    this.drafts.clear();
    const span = this.tracer().startSpan(
      AnalyticsSpanNames.call,
      {
        startTime: this.startedAt,
        attributes: {
          ...labelAttributes(this.options.labels),
          ...providerAttributes(this.options.providers),
          [CallAttributes.mode]: this.options.mode,
          [CallAttributes.turns]: this.turnIndex,
        },
      },
      context.active(),
    );
    span.end();
  }
}

/** The one hook a conversation needs: turn and call spans for its session. */
export function observeTurns(
  session: voice.AgentSession,
  labels: CallLabels,
  agent: AgentInput,
  mode: 'voice' | 'text',
): TurnTelemetry {
  return new TurnTelemetry(session, { labels, providers: providersOf(agent, mode), mode }).attach();
}
