/**
 * Control's analytics API: the query and the answers, shared by control (validation, OpenAPI) and
 * the console (charts). One API whichever backend answers it (ClickHouse in the stack, PostgreSQL
 * on the embedded default).
 */
import { z } from 'zod';
import { CallChannel } from '../domain/call.ts';
import { E164, Id, Timestamp } from '../domain/common.ts';

export const AnalyticsBucket = z.enum(['hour', 'day']);
export type AnalyticsBucket = z.infer<typeof AnalyticsBucket>;

/** The longest range one query may cover, per bucket (keeps the series a chart can draw). */
export const MAX_RANGE_DAYS: Record<AnalyticsBucket, number> = { hour: 31, day: 400 };

export const AnalyticsQuery = z
  .object({
    from: Timestamp.describe('start of the range (inclusive), ISO 8601; default: `to` minus 7 days'),
    to: Timestamp.describe('end of the range (exclusive), ISO 8601; default: now'),
    bucket: AnalyticsBucket.describe('time series resolution, UTC'),
    agentId: Id.describe('only this agent'),
    channel: CallChannel.describe('only this channel'),
    number: E164.describe("only calls through this phone number (the space's number: `to` of an inbound call)"),
  })
  .partial()
  .strict();
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;

export const Percentiles = z.object({
  /** How many measurements the percentiles are over. */
  count: z.number().int().nonnegative(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p99: z.number().nullable(),
});
export type Percentiles = z.infer<typeof Percentiles>;

export const LATENCY_STAGES = ['eou', 'stt', 'llmTtft', 'llmTotal', 'ttsTtfb', 'response'] as const;
export type LatencyStage = (typeof LATENCY_STAGES)[number];

export const AnalyticsBucketRow = z.object({
  start: Timestamp,
  calls: z.number().int().nonnegative(),
  minutes: z.number().nonnegative(),
  /** Most calls in progress at one moment within the bucket. */
  peakConcurrency: z.number().int().nonnegative(),
  turns: z.number().int().nonnegative(),
  responseLatencyMs: Percentiles,
});

export const CostLine = z.object({
  kind: z.enum(['llm', 'stt', 'tts']),
  provider: z.string(),
  model: z.string(),
  unit: z.enum(['prompt_tokens', 'completion_tokens', 'characters', 'audio_seconds']),
  quantity: z.number().nonnegative(),
  /** null: no list price for this provider/model. */
  costUsd: z.number().nonnegative().nullable(),
});
export type CostLine = z.infer<typeof CostLine>;

export const AnalyticsReport = z.object({
  source: z.enum(['clickhouse', 'postgresql']),
  range: z.object({ from: Timestamp, to: Timestamp, bucket: AnalyticsBucket }),
  totals: z.object({
    /** Calls that ended in the range (by start time). */
    calls: z.number().int().nonnegative(),
    minutes: z.number().nonnegative(),
    peakConcurrency: z.number().int().nonnegative(),
    turns: z.number().int().nonnegative(),
    interruptedTurns: z.number().int().nonnegative(),
    /** Interrupted turns / turns; null without turns. */
    interruptionRate: z.number().min(0).max(1).nullable(),
    toolCalls: z.number().int().nonnegative(),
    toolErrors: z.number().int().nonnegative(),
    toolErrorRate: z.number().min(0).max(1).nullable(),
    costUsd: z.number().nonnegative(),
  }),
  outcomes: z.array(z.object({ endReason: z.string(), calls: z.number().int().nonnegative() })),
  latencyMs: z.object(
    Object.fromEntries(LATENCY_STAGES.map((s) => [s, Percentiles])) as Record<LatencyStage, typeof Percentiles>,
  ),
  /** How far into the agent's speech callers interrupted it. */
  interruptedAfterMs: Percentiles,
  tools: z.array(
    z.object({
      name: z.string(),
      calls: z.number().int().nonnegative(),
      errors: z.number().int().nonnegative(),
      durationMs: Percentiles,
    }),
  ),
  cost: z.array(CostLine),
  buckets: z.array(AnalyticsBucketRow),
});
export type AnalyticsReport = z.infer<typeof AnalyticsReport>;

export const TurnWaterfallRow = z.object({
  index: z.number().int().nonnegative(),
  source: z.string(),
  startedAt: Timestamp,
  eouDelayMs: z.number().nullable(),
  sttDurationMs: z.number().nullable(),
  llmTtftMs: z.number().nullable(),
  llmDurationMs: z.number().nullable(),
  ttsTtfbMs: z.number().nullable(),
  responseLatencyMs: z.number().nullable(),
  interrupted: z.boolean(),
  interruptedAfterMs: z.number().nullable(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  toolCalls: z.array(z.object({ name: z.string(), durationMs: z.number().nullable(), error: z.boolean() })),
});
export type TurnWaterfallRow = z.infer<typeof TurnWaterfallRow>;

export const CallTurns = z.object({
  callId: Id,
  source: z.enum(['clickhouse', 'postgresql']),
  providers: z
    .object({
      llm: z.object({ provider: z.string(), model: z.string() }).nullable(),
      stt: z.object({ provider: z.string(), model: z.string() }).nullable(),
      tts: z.object({ provider: z.string(), model: z.string() }).nullable(),
    })
    .nullable(),
  turns: z.array(TurnWaterfallRow),
});
export type CallTurns = z.infer<typeof CallTurns>;
