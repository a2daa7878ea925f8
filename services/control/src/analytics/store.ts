/**
 * One analytics store interface, two backends (PostgreSQL: postgres-store.ts, ClickHouse:
 * clickhouse-store.ts). A store writes placed facts and answers the raw aggregates; report.ts turns
 * those into the API's answer, so rates, rounding and cost are computed once.
 */
import { ANALYTICS_LATENCY_STAGES, ANALYTICS_ROLLUP_MS, type CallTurns, type Percentiles } from '@speaknode/contracts';
import type { Placed } from './facts.ts';

export interface ReportFilter {
  spaceId: string;
  fromMs: number;
  toMs: number;
  bucketMs: number;
  agentId?: string;
  channel?: string;
  number?: string;
}

export const PERCENTILE_LEVELS = [0.5, 0.9, 0.99] as const;

export interface UsageRow {
  kind: 'llm' | 'stt' | 'tts';
  provider: string;
  model: string;
  unit: 'prompt_tokens' | 'completion_tokens' | 'characters' | 'audio_seconds';
  quantity: number;
}

export interface ReportData {
  calls: number;
  durationSeconds: number;
  outcomes: Array<{ endReason: string; calls: number }>;
  turns: number;
  interruptedTurns: number;
  toolCalls: number;
  toolErrors: number;
  latency: {
    eou: Percentiles;
    stt: Percentiles;
    llmTtft: Percentiles;
    llmTotal: Percentiles;
    ttsTtfb: Percentiles;
    response: Percentiles;
  };
  interruptedAfter: Percentiles;
  tools: Array<{ name: string; calls: number; errors: number; durationMs: Percentiles }>;
  usage: UsageRow[];
  buckets: Array<{
    startMs: number;
    calls: number;
    durationSeconds: number;
    peakConcurrency: number;
    turns: number;
    response: Percentiles;
  }>;
}

export interface AnalyticsStore {
  readonly source: 'clickhouse' | 'postgresql';
  /** Stores facts; one already stored (same space and span id) is kept as it was. */
  write(facts: Placed[]): Promise<void>;
  report(filter: ReportFilter): Promise<ReportData>;
  callTurns(spaceId: string, callId: string): Promise<Omit<CallTurns, 'source'>>;
  close(): Promise<void>;
}

/** Nearest-rank percentiles (the value at rank ⌈p·n⌉ of the sorted values), as PostgreSQL's percentile_disc. */
export function nearestRank(sorted: readonly number[]): Percentiles {
  const n = sorted.length;
  const at = (p: number) => (n === 0 ? null : (sorted[Math.max(1, Math.ceil(p * n)) - 1] ?? null));
  return { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

/** Ended calls counted per bucket and end reason (one scan): the totals, outcomes and buckets. */
export interface CallGroup {
  b: unknown;
  reason: unknown;
  calls: unknown;
  seconds: unknown;
}

export function foldCallGroups(groups: readonly CallGroup[]) {
  const outcomes = new Map<string, number>();
  const buckets = new Map<number, { calls: number; seconds: number }>();
  let calls = 0;
  let seconds = 0;
  for (const g of groups) {
    const [n, secs, reason, b] = [Number(g.calls), Number(g.seconds), String(g.reason), Number(g.b)];
    calls += n;
    seconds += secs;
    outcomes.set(reason, (outcomes.get(reason) ?? 0) + n);
    const bucket = buckets.get(b) ?? { calls: 0, seconds: 0 };
    buckets.set(b, { calls: bucket.calls + n, seconds: bucket.seconds + secs });
  }
  return {
    calls,
    seconds,
    outcomes: [...outcomes].map(([endReason, n]) => ({ endReason, calls: n })),
    buckets,
  };
}

/** Usage summed per combination of providers (one scan), with STT audio in ms. */
export interface UsageGroup {
  llm_provider: unknown;
  llm_model: unknown;
  stt_provider: unknown;
  stt_model: unknown;
  tts_provider: unknown;
  tts_model: unknown;
  prompt: unknown;
  completion: unknown;
  audio_ms: unknown;
  characters: unknown;
}

/** The groups folded per kind, provider and model (a provider '' used nothing of that kind). */
export function foldUsageGroups(groups: readonly UsageGroup[]): UsageRow[] {
  const sums = new Map<string, UsageRow>();
  const use = (kind: UsageRow['kind'], provider: unknown, model: unknown, unit: UsageRow['unit'], q: unknown) => {
    if (!provider) return;
    const key = JSON.stringify([kind, provider, model, unit]);
    const row = sums.get(key) ?? { kind, provider: String(provider), model: String(model ?? ''), unit, quantity: 0 };
    row.quantity += Number(q ?? 0);
    sums.set(key, row);
  };
  for (const g of groups) {
    use('llm', g.llm_provider, g.llm_model, 'prompt_tokens', g.prompt);
    use('llm', g.llm_provider, g.llm_model, 'completion_tokens', g.completion);
    use('stt', g.stt_provider, g.stt_model, 'audio_seconds', g.audio_ms);
    use('tts', g.tts_provider, g.tts_model, 'characters', g.characters);
  }
  // Audio summed in ms, then seconds.
  return [...sums.values()].map((u) => (u.kind === 'stt' ? { ...u, quantity: u.quantity / 1000 } : u));
}

/**
 * Where a report reads its turn and tool figures: the whole UTC days of the range from the day
 * rollups (`[rollupFrom, rollupTo)`), the partial days at its edges (`[fromMs, rollupFrom)` and
 * `[rollupTo, toMs)`) from the raw facts. A range within one day reads only raw facts
 * (`rollupFrom = rollupTo = toMs`).
 */
export function rollupRange(f: ReportFilter): { rollupFrom: number; rollupTo: number } {
  const day = ANALYTICS_ROLLUP_MS;
  const rollupFrom = Math.ceil(f.fromMs / day) * day;
  const rollupTo = Math.floor(f.toMs / day) * day;
  return rollupTo > rollupFrom ? { rollupFrom, rollupTo } : { rollupFrom: f.toMs, rollupTo: f.toMs };
}

/** Per-bucket figures can come from the day rollups only when buckets are days. */
export const bucketsFromRollup = (f: ReportFilter) => f.bucketMs % ANALYTICS_ROLLUP_MS === 0;

/** The raw turn columns of the latency stages, in contracts' `ANALYTICS_LATENCY_COLUMNS` order (then `tool`). */
export const STAGE_COLUMNS = ANALYTICS_LATENCY_STAGES.map(([, raw]) => raw);
