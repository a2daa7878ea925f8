/**
 * One analytics store interface, two backends (PostgreSQL: postgres-store.ts, ClickHouse:
 * clickhouse-store.ts). A store writes placed facts and answers the raw aggregates; report.ts turns
 * those into the API's answer, so rates, rounding and cost are computed once.
 */
import type { CallTurns, Percentiles } from '@speaknode/contracts';
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
