/**
 * The analytics facts: rows made from the agent's analytics spans (names and attributes from
 * contracts), then tied to the call record they claim. Both backends store exactly these rows.
 */
import {
  AnalyticsSpanNames,
  CallAttributes,
  CallLabelAttributes,
  ProviderAttributes,
  ToolCallAttributes,
  TurnAttributes,
} from '@speaknode/contracts';
import type { AttributeValue, OtlpSpan } from './otlp.ts';

/** Where a fact belongs, from control's call record (never from the span's own say-so). */
export interface CallRef {
  spaceId: string;
  callId: string;
  agentId: string;
  channel: string;
  /** The space's number of a phone call (to of inbound, from of outbound); '' otherwise. */
  phoneNumber: string;
}

interface FactBase {
  spanId: string;
  traceId: string;
  startMs: number;
}

export interface TurnFact extends FactBase {
  kind: 'turn';
  turnIndex: number | null;
  source: string;
  eouDelayMs: number | null;
  sttDurationMs: number | null;
  sttAudioMs: number | null;
  llmTtftMs: number | null;
  llmDurationMs: number | null;
  llmPromptTokens: number | null;
  llmCompletionTokens: number | null;
  ttsTtfbMs: number | null;
  ttsCharacters: number | null;
  responseLatencyMs: number | null;
  interrupted: boolean;
  interruptedAfterMs: number | null;
  toolCalls: number;
  toolErrors: number;
  llmProvider: string;
  llmModel: string;
  sttProvider: string;
  sttModel: string;
  ttsProvider: string;
  ttsModel: string;
}

export interface ToolFact extends FactBase {
  kind: 'tool';
  turnIndex: number | null;
  name: string;
  durationMs: number | null;
  error: boolean;
}

export interface CallTelemetryFact extends FactBase {
  kind: 'call';
  mode: string;
  turns: number | null;
  llmProvider: string;
  llmModel: string;
  sttProvider: string;
  sttModel: string;
  ttsProvider: string;
  ttsModel: string;
}

export type Fact = TurnFact | ToolFact | CallTelemetryFact;
export type Placed<F extends Fact = Fact> = F & CallRef;

/** A fact and the call it says it belongs to. */
export interface ClaimedFact {
  fact: Fact;
  claim: { callId?: string; spaceId?: string; agentId?: string };
}

const MAX_MS = 24 * 3_600_000;
const MAX_COUNT = 10_000_000;
const MAX_TEXT = 200;

/** An amount in ms within reason, else null (a broken clock or a hostile span says nothing). */
function amountMs(value: AttributeValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_MS ? value : null;
}
/**
 * A latency in whole ms (rounded half up; contracts' `ANALYTICS_LATENCY_COLUMNS`): what both stores
 * keep, so the rollups' 1 ms histograms hold every latency exactly.
 */
function ms(value: AttributeValue | undefined): number | null {
  const amount = amountMs(value);
  return amount === null ? null : Math.round(amount);
}
function count(value: AttributeValue | undefined): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT ? value : null;
}
function text(value: AttributeValue | undefined): string {
  return typeof value === 'string' ? value.slice(0, MAX_TEXT) : '';
}
const flag = (value: AttributeValue | undefined) => value === true;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuid = (value: AttributeValue | undefined) =>
  typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : undefined;

/** The fact an analytics span states, or undefined for any other span (framework spans, probes). */
export function factOf(span: OtlpSpan): ClaimedFact | undefined {
  const a = span.attributes;
  const base = {
    spanId: span.spanId.slice(0, 32),
    traceId: span.traceId.slice(0, 32),
    startMs: Math.round(span.startMs ?? Date.now()),
  };
  const claim = {
    callId: uuid(a[CallLabelAttributes.callId]),
    spaceId: uuid(a[CallLabelAttributes.spaceId]),
    agentId: uuid(a[CallLabelAttributes.agentId]),
  };
  const providers = {
    llmProvider: text(a[ProviderAttributes.llmProvider]),
    llmModel: text(a[ProviderAttributes.llmModel]),
    sttProvider: text(a[ProviderAttributes.sttProvider]),
    sttModel: text(a[ProviderAttributes.sttModel]),
    ttsProvider: text(a[ProviderAttributes.ttsProvider]),
    ttsModel: text(a[ProviderAttributes.ttsModel]),
  };
  const t = TurnAttributes;
  switch (span.name) {
    case AnalyticsSpanNames.turn:
      return {
        claim,
        fact: {
          kind: 'turn',
          ...base,
          ...providers,
          turnIndex: count(a[t.index]),
          source: text(a[t.source]),
          eouDelayMs: ms(a[t.eouDelayMs]),
          sttDurationMs: ms(a[t.sttDurationMs]),
          sttAudioMs: amountMs(a[t.sttAudioMs]),
          llmTtftMs: ms(a[t.llmTtftMs]),
          llmDurationMs: ms(a[t.llmDurationMs]),
          llmPromptTokens: count(a[t.llmPromptTokens]),
          llmCompletionTokens: count(a[t.llmCompletionTokens]),
          ttsTtfbMs: ms(a[t.ttsTtfbMs]),
          ttsCharacters: count(a[t.ttsCharacters]),
          responseLatencyMs: ms(a[t.responseLatencyMs]),
          interrupted: flag(a[t.interrupted]),
          interruptedAfterMs: ms(a[t.interruptedAfterMs]),
          toolCalls: count(a[t.toolCalls]) ?? 0,
          toolErrors: count(a[t.toolErrors]) ?? 0,
        },
      };
    case AnalyticsSpanNames.toolCall:
      return {
        claim,
        fact: {
          kind: 'tool',
          ...base,
          turnIndex: count(a[ToolCallAttributes.turnIndex]),
          name: text(a[ToolCallAttributes.name]),
          durationMs: ms(a[ToolCallAttributes.durationMs]),
          error: flag(a[ToolCallAttributes.error]),
        },
      };
    case AnalyticsSpanNames.call:
      return {
        claim,
        fact: {
          kind: 'call',
          ...base,
          ...providers,
          mode: text(a[CallAttributes.mode]),
          turns: count(a[CallAttributes.turns]),
        },
      };
    default:
      return undefined;
  }
}
