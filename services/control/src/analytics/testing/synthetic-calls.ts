/**
 * Synthetic calls and the agent's analytics spans for them, from a seed: the fixture the
 * two-backend test and the benchmark feed through `POST /v1/traces`. Values are multiples of
 * 1/4 (exact in binary), so every backend stores exactly what was sent.
 */
import { createRequire } from 'node:module';
import {
  AnalyticsSpanNames,
  CallAttributes,
  CallLabelAttributes,
  ProviderAttributes,
  ToolCallAttributes,
  TurnAttributes,
} from '@speaknode/contracts';
import type pg from 'pg';

export interface SyntheticTurn {
  spanId: string;
  startMs: number;
  index: number;
  eouDelayMs?: number;
  sttDurationMs?: number;
  sttAudioMs?: number;
  llmTtftMs?: number;
  llmDurationMs?: number;
  promptTokens?: number;
  completionTokens?: number;
  ttsTtfbMs?: number;
  ttsCharacters?: number;
  responseLatencyMs?: number;
  interrupted: boolean;
  interruptedAfterMs?: number;
  tools: Array<{ spanId: string; name: string; durationMs: number; error: boolean; startMs: number }>;
  llm: { provider: string; model: string };
  stt: { provider: string; model: string };
  tts: { provider: string; model: string };
}

export interface SyntheticCall {
  id: string;
  spaceId: string;
  agentId: string;
  channel: 'test' | 'widget' | 'phone';
  toNumber: string | null;
  createdMs: number;
  startedMs: number | null;
  endedMs: number;
  durationSeconds: number | null;
  status: 'ended' | 'failed';
  endReason: string;
  traceId: string;
  turns: SyntheticTurn[];
}

/** mulberry32: small, seedable, good enough for fixtures. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (rnd: () => number, bytes: number) =>
  Array.from({ length: bytes }, () =>
    Math.floor(rnd() * 256)
      .toString(16)
      .padStart(2, '0'),
  ).join('');
const uuidOf = (rnd: () => number) => {
  const h = hex(rnd, 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const quarter = (rnd: () => number, min: number, max: number) => Math.round((min + rnd() * (max - min)) * 4) / 4;

export const SYNTHETIC_NUMBERS = ['+14155550100', '+14155550101'];
const END_REASONS = ['caller_hangup', 'agent_hangup', 'silence_timeout', 'max_duration', 'transferred'];

export interface GenerateOptions {
  seed: number;
  calls: number;
  spaceId: string;
  agentIds: string[];
  /** Calls start in [startMs, startMs + spreadMs). */
  startMs: number;
  spreadMs: number;
  turnsPerCall?: [number, number];
}

export function generateCalls(options: GenerateOptions): SyntheticCall[] {
  const rnd = random(options.seed);
  const [minTurns, maxTurns] = options.turnsPerCall ?? [3, 12];
  const calls: SyntheticCall[] = [];
  for (let c = 0; c < options.calls; c++) {
    const channel = (['test', 'widget', 'phone'] as const)[Math.floor(rnd() * 3)]!;
    const createdMs = options.startMs + Math.floor(rnd() * options.spreadMs);
    const failed = rnd() < 0.08;
    const startedMs = failed ? null : createdMs + Math.floor(rnd() * 3000);
    const durationSeconds = failed ? null : quarter(rnd, 5, 900);
    const endedMs = startedMs === null ? createdMs + 1000 : startedMs + (durationSeconds ?? 0) * 1000;
    const agentId = options.agentIds[Math.floor(rnd() * options.agentIds.length)]!;
    const llm =
      rnd() < 0.7
        ? { provider: 'openai', model: 'gpt-4o-mini' }
        : { provider: 'vllm.internal:8000', model: 'llama-3.1-8b' };
    const stt =
      rnd() < 0.5
        ? { provider: 'deepgram', model: 'nova-3' }
        : { provider: 'speaknode-models', model: 'parakeet-tdt-0.6b-v2' };
    const tts = { provider: 'elevenlabs', model: 'eleven_flash_v2_5' };
    const call: SyntheticCall = {
      id: uuidOf(rnd),
      spaceId: options.spaceId,
      agentId,
      channel,
      toNumber: channel === 'phone' ? SYNTHETIC_NUMBERS[Math.floor(rnd() * SYNTHETIC_NUMBERS.length)]! : null,
      createdMs,
      startedMs,
      endedMs,
      durationSeconds,
      status: failed ? 'failed' : 'ended',
      endReason: failed ? 'provider_error' : END_REASONS[Math.floor(rnd() * END_REASONS.length)]!,
      traceId: hex(rnd, 16),
      turns: [],
    };
    if (!failed && startedMs !== null) {
      const count = minTurns + Math.floor(rnd() * (maxTurns - minTurns + 1));
      for (let i = 0; i < count; i++) {
        const greeting = i === 0;
        const interrupted = !greeting && rnd() < 0.15;
        const tools = rnd() < 0.2 ? Math.floor(rnd() * 2) + 1 : 0;
        const startMs = startedMs + Math.floor((i * (durationSeconds ?? 0) * 1000) / count);
        const missingEou = rnd() < 0.05;
        call.turns.push({
          spanId: hex(rnd, 8),
          startMs,
          index: i,
          ...(greeting || missingEou
            ? {}
            : {
                eouDelayMs: quarter(rnd, 50, 1200),
                sttDurationMs: quarter(rnd, 20, 600),
                sttAudioMs: quarter(rnd, 300, 8000),
              }),
          ...(greeting
            ? {}
            : {
                llmTtftMs: quarter(rnd, 80, 2500),
                llmDurationMs: quarter(rnd, 200, 6000),
                promptTokens: 100 + Math.floor(rnd() * 3000),
                completionTokens: 5 + Math.floor(rnd() * 200),
                responseLatencyMs: missingEou ? undefined : quarter(rnd, 300, 4000),
              }),
          ttsTtfbMs: quarter(rnd, 40, 900),
          ttsCharacters: 10 + Math.floor(rnd() * 300),
          interrupted,
          ...(interrupted ? { interruptedAfterMs: quarter(rnd, 100, 5000) } : {}),
          tools: Array.from({ length: tools }, (_, k) => ({
            spanId: hex(rnd, 8),
            name: ['lookup_appointment', 'book_visit', 'end_call'][Math.floor(rnd() * 3)]!,
            durationMs: quarter(rnd, 5, 1500),
            error: rnd() < 0.2,
            startMs: startMs + 10 + k,
          })),
          llm,
          stt,
          tts,
        });
      }
    }
    calls.push(call);
  }
  return calls;
}

/** Inserts the calls as control's call records (ended or failed, as a finished call looks). */
export async function insertCalls(pool: pg.Pool, calls: SyntheticCall[]): Promise<void> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  for (let i = 0; i < calls.length; i += 500) {
    const rows = calls.slice(i, i + 500).map((c) => ({
      id: c.id,
      space_id: c.spaceId,
      agent_id: c.agentId,
      channel: c.channel,
      status: c.status,
      room_name: `call-${c.id}`,
      to_number: c.toNumber,
      created_at: iso(c.createdMs),
      started_at: iso(c.startedMs),
      ended_at: iso(c.endedMs),
      duration_seconds: c.durationSeconds,
      end_reason: c.endReason,
    }));
    await pool.query(
      `INSERT INTO calls (id, space_id, agent_id, channel, status, room_name, to_number, created_at, started_at,
         ended_at, duration_seconds, end_reason)
       SELECT id, space_id, agent_id, channel, status, room_name, to_number, created_at, started_at, ended_at,
         duration_seconds, end_reason
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, space_id uuid, agent_id uuid, channel text, status text,
         room_name text, to_number text, created_at timestamptz, started_at timestamptz, ended_at timestamptz,
         duration_seconds float8, end_reason text)`,
      [JSON.stringify(rows)],
    );
  }
}

type Attr = { key: string; value: Record<string, unknown> };
const attr = (key: string, value: string | number | boolean | undefined): Attr[] => {
  if (value === undefined) return [];
  if (typeof value === 'string') return [{ key, value: { stringValue: value } }];
  if (typeof value === 'boolean') return [{ key, value: { boolValue: value } }];
  return [{ key, value: Number.isInteger(value) ? { intValue: value } : { doubleValue: value } }];
};
const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);

export interface SpanJson {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attr[];
}

/** The analytics spans the agent would have sent for the call, as OTLP/JSON span objects. */
export function spansOf(call: SyntheticCall, claim: { spaceId?: string; agentId?: string } = {}): SpanJson[] {
  const labels = [
    ...attr(CallLabelAttributes.callId, call.id),
    ...attr(CallLabelAttributes.spaceId, claim.spaceId ?? call.spaceId),
    ...attr(CallLabelAttributes.agentId, claim.agentId ?? call.agentId),
    ...attr(CallLabelAttributes.sessionId, call.id),
  ];
  const spans: SpanJson[] = [];
  const t = TurnAttributes;
  const p = ProviderAttributes;
  for (const turn of call.turns) {
    spans.push({
      traceId: call.traceId,
      spanId: turn.spanId,
      name: AnalyticsSpanNames.turn,
      startTimeUnixNano: nanos(turn.startMs),
      endTimeUnixNano: nanos(turn.startMs + 1000),
      attributes: [
        ...labels,
        ...attr(t.index, turn.index),
        ...attr(t.source, turn.index === 0 ? 'say' : 'generate_reply'),
        ...attr(t.eouDelayMs, turn.eouDelayMs),
        ...attr(t.sttDurationMs, turn.sttDurationMs),
        ...attr(t.sttAudioMs, turn.sttAudioMs),
        ...attr(t.llmTtftMs, turn.llmTtftMs),
        ...attr(t.llmDurationMs, turn.llmDurationMs),
        ...attr(t.llmPromptTokens, turn.promptTokens),
        ...attr(t.llmCompletionTokens, turn.completionTokens),
        ...attr(t.ttsTtfbMs, turn.ttsTtfbMs),
        ...attr(t.ttsCharacters, turn.ttsCharacters),
        ...attr(t.responseLatencyMs, turn.responseLatencyMs),
        ...attr(t.interrupted, turn.interrupted),
        ...attr(t.interruptedAfterMs, turn.interruptedAfterMs),
        ...attr(t.toolCalls, turn.tools.length),
        ...attr(t.toolErrors, turn.tools.filter((x) => x.error).length),
        ...attr(p.llmProvider, turn.llm.provider),
        ...attr(p.llmModel, turn.llm.model),
        ...attr(p.sttProvider, turn.stt.provider),
        ...attr(p.sttModel, turn.stt.model),
        ...attr(p.ttsProvider, turn.tts.provider),
        ...attr(p.ttsModel, turn.tts.model),
      ],
    });
    for (const tool of turn.tools) {
      spans.push({
        traceId: call.traceId,
        spanId: tool.spanId,
        parentSpanId: turn.spanId,
        name: AnalyticsSpanNames.toolCall,
        startTimeUnixNano: nanos(tool.startMs),
        endTimeUnixNano: nanos(tool.startMs + 1),
        attributes: [
          ...labels,
          ...attr(ToolCallAttributes.name, tool.name),
          ...attr(ToolCallAttributes.durationMs, tool.durationMs),
          ...attr(ToolCallAttributes.error, tool.error),
          ...attr(ToolCallAttributes.turnIndex, turn.index),
        ],
      });
    }
  }
  if (call.turns.length > 0) {
    const first = call.turns[0]!;
    spans.push({
      traceId: call.traceId,
      spanId: `${call.traceId.slice(0, 15)}c`,
      name: AnalyticsSpanNames.call,
      startTimeUnixNano: nanos(call.startedMs ?? call.createdMs),
      endTimeUnixNano: nanos(call.endedMs),
      attributes: [
        ...labels,
        ...attr(CallAttributes.mode, 'voice'),
        ...attr(CallAttributes.turns, call.turns.length),
        ...attr(p.llmProvider, first.llm.provider),
        ...attr(p.llmModel, first.llm.model),
        ...attr(p.sttProvider, first.stt.provider),
        ...attr(p.sttModel, first.stt.model),
        ...attr(p.ttsProvider, first.tts.provider),
        ...attr(p.ttsModel, first.tts.model),
      ],
    });
  }
  return spans;
}

/** An ExportTraceServiceRequest as OTLP/JSON. */
export function otlpJson(spans: SpanJson[]): { resourceSpans: unknown[] } {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'speaknode-agent' } }] },
        scopeSpans: [{ scope: { name: 'speaknode' }, spans }],
      },
    ],
  };
}

type ProtoMessage = { fromObject(o: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } };
const require = createRequire(import.meta.url);
const { ExportTraceServiceRequest } = (
  require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
    opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoMessage } } } } };
  }
).opentelemetry.proto.collector.trace.v1;

/** The same request as OTLP protobuf (ids as bytes, times as fixed64). */
export function otlpProtobuf(spans: SpanJson[]): Buffer {
  const bytes = (h: string | undefined) => (h ? Buffer.from(h, 'hex') : undefined);
  const request = otlpJson(
    spans.map((s) => ({
      ...s,
      traceId: bytes(s.traceId),
      spanId: bytes(s.spanId),
      parentSpanId: bytes(s.parentSpanId),
    })) as never,
  );
  return Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request)).finish());
}
