/**
 * Analytics on ClickHouse (the stack): the same facts as the PostgreSQL store, in the tables of
 * clickhouse-schema.ts, read with FINAL so a re-sent span counts once. ClickHouse 18.16 has no
 * query parameters, so every value is validated before it gets here (ids are UUIDs, channel an
 * enum, number E.164) and quoted by `lit` anyway. Percentiles are nearest-rank, computed from the
 * sorted values (`quantileExact` picks a different rank), so both stores give the same numbers.
 */
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import type { Percentiles } from '@speaknode/contracts';
import { analyticsClickHouseSchema } from './clickhouse-schema.ts';
import type { CallRef, CallTelemetryFact, Placed, ToolFact, TurnFact } from './facts.ts';
import { assembleCallTurns } from './postgres-store.ts';
import type { AnalyticsStore, ReportData, ReportFilter, UsageRow } from './store.ts';

export interface ClickHouseOptions {
  url: string;
  username?: string;
  password?: string;
  database: string;
}

/** An ended call as the ClickHouse store keeps it. */
export interface EndedCall extends CallRef {
  startMs: number;
  startedMs: number | null;
  endedMs: number | null;
  durationSeconds: number | null;
  endReason: string;
}

/** A ClickHouse string literal. */
export function lit(value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('not a finite number');
    return String(value);
  }
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Columns of nearest-rank percentiles over the values `expr` of the group (NULLs skipped). */
function pct(expr: string, name: string): string {
  const sorted = `arraySort(groupArray(${expr}))`;
  const at = (p: number) =>
    `if(length(${name}_s) = 0, NULL, ${name}_s[toUInt64(greatest(1, ceil(${p} * length(${name}_s))))])`;
  return `${sorted} AS ${name}_s, length(${name}_s) AS ${name}_n, ${at(0.5)} AS ${name}_p50, ${at(0.9)} AS ${name}_p90, ${at(0.99)} AS ${name}_p99`;
}

type Row = Record<string, unknown>;

function percentiles(row: Row, name: string): Percentiles {
  const n = Number(row[`${name}_n`] ?? 0);
  const v = (p: string) => (n && row[`${name}_${p}`] !== null ? Number(row[`${name}_${p}`]) : null);
  return { count: n, p50: v('p50'), p90: v('p90'), p99: v('p99') };
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export class ClickHouseAnalyticsStore implements AnalyticsStore {
  readonly source = 'clickhouse' as const;
  private readonly client: ClickHouseClient;
  private readonly db: string;

  constructor(options: ClickHouseOptions) {
    this.db = options.database.replace(/[^A-Za-z0-9_]/g, '');
    this.client = createClient({
      url: options.url,
      username: options.username ?? 'default',
      password: options.password ?? '',
      request_timeout: 30_000,
    });
  }

  /** Creates the database and tables when missing. */
  async migrate(): Promise<void> {
    for (const query of analyticsClickHouseSchema(this.db)) await this.client.command({ query });
  }

  async ping(): Promise<boolean> {
    return (await this.client.ping()).success;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async rows(query: string): Promise<Row[]> {
    const result = await this.client.query({ query, format: 'JSONEachRow' });
    return (await result.json()) as Row[];
  }

  async write(facts: Placed[]): Promise<void> {
    const version = Date.now();
    const placed = (f: Placed) => ({
      space_id: f.spaceId,
      call_id: f.callId,
      agent_id: f.agentId,
      channel: f.channel,
      phone_number: f.phoneNumber,
    });
    const span = (f: Placed) => ({
      span_id: f.spanId,
      trace_id: f.traceId,
      start_time: seconds(f.startMs),
      start_ms: f.startMs,
    });
    const turns = facts
      .filter((f): f is Placed<TurnFact> => f.kind === 'turn')
      .map((f) => ({
        ...placed(f),
        ...span(f),
        turn_index: f.turnIndex,
        source: f.source,
        eou_delay_ms: f.eouDelayMs,
        stt_duration_ms: f.sttDurationMs,
        stt_audio_ms: f.sttAudioMs,
        llm_ttft_ms: f.llmTtftMs,
        llm_duration_ms: f.llmDurationMs,
        llm_prompt_tokens: f.llmPromptTokens,
        llm_completion_tokens: f.llmCompletionTokens,
        tts_ttfb_ms: f.ttsTtfbMs,
        tts_characters: f.ttsCharacters,
        response_latency_ms: f.responseLatencyMs,
        interrupted: f.interrupted ? 1 : 0,
        interrupted_after_ms: f.interruptedAfterMs,
        tool_calls: f.toolCalls,
        tool_errors: f.toolErrors,
        llm_provider: f.llmProvider,
        llm_model: f.llmModel,
        stt_provider: f.sttProvider,
        stt_model: f.sttModel,
        tts_provider: f.ttsProvider,
        tts_model: f.ttsModel,
        version,
      }));
    const tools = facts
      .filter((f): f is Placed<ToolFact> => f.kind === 'tool')
      .map((f) => ({
        ...placed(f),
        ...span(f),
        turn_index: f.turnIndex,
        name: f.name,
        duration_ms: f.durationMs,
        is_error: f.error ? 1 : 0,
        version,
      }));
    const calls = facts
      .filter((f): f is Placed<CallTelemetryFact> => f.kind === 'call')
      .map((f) => ({
        space_id: f.spaceId,
        call_id: f.callId,
        span_id: f.spanId,
        start_time: seconds(f.startMs),
        start_ms: f.startMs,
        mode: f.mode,
        turns: f.turns,
        llm_provider: f.llmProvider,
        llm_model: f.llmModel,
        stt_provider: f.sttProvider,
        stt_model: f.sttModel,
        tts_provider: f.ttsProvider,
        tts_model: f.ttsModel,
        // The first report of a call stays, as in PostgreSQL (ON CONFLICT DO NOTHING).
        version: Number.MAX_SAFE_INTEGER - version,
      }));
    const tables: Array<[string, Array<Record<string, unknown>>]> = [
      ['analytics_turns', turns],
      ['analytics_tool_calls', tools],
      ['analytics_call_telemetry', calls],
    ];
    for (const [table, values] of tables) {
      if (values.length > 0) await this.client.insert({ table: `${this.db}.${table}`, values, format: 'JSONEachRow' });
    }
  }

  /** Ended calls from control's call records (the call.ended consumer). */
  async writeCalls(calls: EndedCall[]): Promise<void> {
    if (calls.length === 0) return;
    const version = Date.now();
    await this.client.insert({
      table: `${this.db}.analytics_calls`,
      format: 'JSONEachRow',
      values: calls.map((c) => ({
        space_id: c.spaceId,
        call_id: c.callId,
        agent_id: c.agentId,
        channel: c.channel,
        phone_number: c.phoneNumber,
        start_time: seconds(c.startMs),
        start_ms: c.startMs,
        started_ms: c.startedMs,
        ended_ms: c.endedMs,
        duration_seconds: c.durationSeconds,
        end_reason: c.endReason,
        version,
      })),
    });
  }

  private where(f: ReportFilter): string {
    const conditions = [
      `space_id = ${lit(f.spaceId)}`,
      // The DateTime bounds use the primary key; the millisecond ones make the range exact.
      `start_time >= toDateTime(${seconds(f.fromMs)})`,
      `start_time <= toDateTime(${seconds(f.toMs)})`,
      `start_ms >= ${lit(f.fromMs)}`,
      `start_ms < ${lit(f.toMs)}`,
    ];
    if (f.agentId) conditions.push(`agent_id = ${lit(f.agentId)}`);
    if (f.channel) conditions.push(`channel = ${lit(f.channel)}`);
    if (f.number) conditions.push(`phone_number = ${lit(f.number)}`);
    return conditions.join(' AND ');
  }

  async report(f: ReportFilter): Promise<ReportData> {
    const db = this.db;
    const w = this.where(f);
    const step = lit(f.bucketMs);
    const bucketOf = (column: string) => `intDiv(${column}, ${step}) * ${step}`;
    const [callTotals, outcomes, callBuckets, peaks, turnTotals, turnBuckets, tools, usage] = await Promise.all([
      this.rows(
        `SELECT count() AS calls, sum(ifNull(duration_seconds, 0)) AS seconds FROM ${db}.analytics_calls FINAL WHERE ${w}`,
      ),
      this.rows(
        `SELECT end_reason AS reason, count() AS calls FROM ${db}.analytics_calls FINAL WHERE ${w} GROUP BY end_reason`,
      ),
      this.rows(
        `SELECT ${bucketOf('start_ms')} AS b, count() AS calls, sum(ifNull(duration_seconds, 0)) AS seconds
         FROM ${db}.analytics_calls FINAL WHERE ${w} GROUP BY b`,
      ),
      // Per bucket: each call's interval clipped to the bucket and the range, +1 at its start and −1
      // at its end, sorted (an end before a start at the same instant), running sum, maximum.
      this.rows(
        `SELECT b, arrayReduce('max', arrayCumSum(arrayMap(x -> x.2, arraySort(groupArray(ev))))) AS peak FROM (
           SELECT b, arrayJoin([(ps, toInt64(1)), (pe, toInt64(-1))]) AS ev FROM (
             SELECT b, greatest(greatest(s, b), toInt64(${lit(f.fromMs)})) AS ps,
               least(least(e, b + ${step}), toInt64(${lit(f.toMs)})) AS pe
             FROM (
               SELECT toInt64(assumeNotNull(started_ms)) AS s, toInt64(assumeNotNull(ended_ms)) AS e,
                 arrayJoin(arrayMap(i -> toInt64(intDiv(s, ${step}) * ${step} + i * ${step}),
                   range(toUInt64(intDiv(e, ${step}) - intDiv(s, ${step}) + 1)))) AS b
               FROM ${db}.analytics_calls FINAL
               WHERE ${w} AND isNotNull(started_ms) AND isNotNull(ended_ms) AND ended_ms >= started_ms
             )
           ) WHERE pe > ps
         ) GROUP BY b`,
      ),
      this.rows(
        `SELECT count() AS turns, sum(interrupted) AS interrupted,
           ${pct('eou_delay_ms', 'eou')}, ${pct('stt_duration_ms', 'stt')}, ${pct('llm_ttft_ms', 'llm_ttft')},
           ${pct('llm_duration_ms', 'llm_total')}, ${pct('tts_ttfb_ms', 'tts_ttfb')},
           ${pct('response_latency_ms', 'response')}, ${pct('interrupted_after_ms', 'interrupted_after')}
         FROM ${db}.analytics_turns FINAL WHERE ${w}`,
      ),
      this.rows(
        `SELECT ${bucketOf('start_ms')} AS b, count() AS turns, ${pct('response_latency_ms', 'response')}
         FROM ${db}.analytics_turns FINAL WHERE ${w} GROUP BY b`,
      ),
      this.rows(
        `SELECT name, count() AS calls, sum(is_error) AS errors, ${pct('duration_ms', 'duration')}
         FROM ${db}.analytics_tool_calls FINAL WHERE ${w} GROUP BY name`,
      ),
      this.rows(
        `SELECT 'llm' AS kind, llm_provider AS provider, llm_model AS model,
           toFloat64(sum(ifNull(llm_prompt_tokens, 0))) AS a, toFloat64(sum(ifNull(llm_completion_tokens, 0))) AS b
         FROM ${db}.analytics_turns FINAL WHERE ${w} AND llm_provider != '' GROUP BY provider, model
         UNION ALL
         SELECT 'stt' AS kind, stt_provider AS provider, stt_model AS model,
           sum(ifNull(stt_audio_ms, 0)) / 1000 AS a, toFloat64(0) AS b
         FROM ${db}.analytics_turns FINAL WHERE ${w} AND stt_provider != '' GROUP BY provider, model
         UNION ALL
         SELECT 'tts' AS kind, tts_provider AS provider, tts_model AS model,
           toFloat64(sum(ifNull(tts_characters, 0))) AS a, toFloat64(0) AS b
         FROM ${db}.analytics_turns FINAL WHERE ${w} AND tts_provider != '' GROUP BY provider, model`,
      ),
    ]);

    const t = turnTotals[0] ?? {};
    const buckets = new Map<number, ReportData['buckets'][number]>();
    const bucket = (b: unknown) => {
      const startMs = Number(b);
      let row = buckets.get(startMs);
      if (!row) {
        row = {
          startMs,
          calls: 0,
          durationSeconds: 0,
          peakConcurrency: 0,
          turns: 0,
          response: { count: 0, p50: null, p90: null, p99: null },
        };
        buckets.set(startMs, row);
      }
      return row;
    };
    for (const r of callBuckets) {
      Object.assign(bucket(r.b), { calls: Number(r.calls), durationSeconds: Number(r.seconds) });
    }
    for (const r of peaks) bucket(r.b).peakConcurrency = Number(r.peak);
    for (const r of turnBuckets) {
      Object.assign(bucket(r.b), { turns: Number(r.turns), response: percentiles(r, 'response') });
    }
    const toolRows = tools.map((r) => ({
      name: String(r.name),
      calls: Number(r.calls),
      errors: Number(r.errors),
      durationMs: percentiles(r, 'duration'),
    }));
    return {
      calls: Number(callTotals[0]?.calls ?? 0),
      durationSeconds: Number(callTotals[0]?.seconds ?? 0),
      outcomes: outcomes.map((r) => ({ endReason: String(r.reason), calls: Number(r.calls) })),
      turns: Number(t.turns ?? 0),
      interruptedTurns: Number(t.interrupted ?? 0),
      toolCalls: toolRows.reduce((n, r) => n + r.calls, 0),
      toolErrors: toolRows.reduce((n, r) => n + r.errors, 0),
      latency: {
        eou: percentiles(t, 'eou'),
        stt: percentiles(t, 'stt'),
        llmTtft: percentiles(t, 'llm_ttft'),
        llmTotal: percentiles(t, 'llm_total'),
        ttsTtfb: percentiles(t, 'tts_ttfb'),
        response: percentiles(t, 'response'),
      },
      interruptedAfter: percentiles(t, 'interrupted_after'),
      tools: toolRows,
      usage: usage.flatMap((r): UsageRow[] => {
        const base = { provider: String(r.provider), model: String(r.model) };
        if (r.kind === 'llm') {
          return [
            { kind: 'llm', ...base, unit: 'prompt_tokens', quantity: Number(r.a) },
            { kind: 'llm', ...base, unit: 'completion_tokens', quantity: Number(r.b) },
          ];
        }
        return r.kind === 'stt'
          ? [{ kind: 'stt', ...base, unit: 'audio_seconds', quantity: Number(r.a) }]
          : [{ kind: 'tts', ...base, unit: 'characters', quantity: Number(r.a) }];
      }),
      buckets: [...buckets.values()].sort((a, b) => a.startMs - b.startMs),
    };
  }

  async callTurns(spaceId: string, callId: string) {
    const where = `space_id = ${lit(spaceId)} AND call_id = ${lit(callId)}`;
    const [turns, tools, telemetry] = await Promise.all([
      this.rows(`SELECT * FROM ${this.db}.analytics_turns FINAL WHERE ${where} ORDER BY start_ms, turn_index`),
      this.rows(
        `SELECT turn_index, name, duration_ms, is_error FROM ${this.db}.analytics_tool_calls FINAL WHERE ${where}
         ORDER BY start_ms, span_id`,
      ),
      this.rows(`SELECT * FROM ${this.db}.analytics_call_telemetry FINAL WHERE ${where}`),
    ]);
    return assembleCallTurns(callId, turns, tools, telemetry[0]);
  }
}
