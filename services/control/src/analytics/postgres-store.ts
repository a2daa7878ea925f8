/**
 * Analytics on PostgreSQL (the embedded default, and any install without ClickHouse): facts in the
 * analytics_* tables (migration 0200), call figures straight from `calls`. Percentiles are
 * nearest-rank (`percentile_disc`), the same definition the ClickHouse store computes.
 */
import type { Percentiles } from '@speaknode/contracts';
import type pg from 'pg';
import { PHONE_NUMBER_SQL } from './call-refs.ts';
import type { CallTelemetryFact, Placed, ToolFact, TurnFact } from './facts.ts';
import { type AnalyticsStore, foldCallGroups, foldUsageGroups, type ReportData, type ReportFilter } from './store.ts';

const LEVELS = 'ARRAY[0.5, 0.9, 0.99]::float8[]';

/** Columns of a percentile triple over `expr` (NULLs ignored). */
const pct = (expr: string, name: string) =>
  `count(${expr}) AS ${name}_n, percentile_disc(${LEVELS}) WITHIN GROUP (ORDER BY ${expr}) AS ${name}_p`;

function percentiles(row: Record<string, unknown>, name: string): Percentiles {
  const n = Number(row[`${name}_n`] ?? 0);
  const p = (row[`${name}_p`] as number[] | null) ?? [];
  return { count: n, p50: n ? Number(p[0]) : null, p90: n ? Number(p[1]) : null, p99: n ? Number(p[2]) : null };
}

const CALL_START = 'coalesce(started_at, created_at)';
const msOf = (expr: string) => `floor(extract(epoch FROM ${expr}) * 1000)::bigint`;

export class PostgresAnalyticsStore implements AnalyticsStore {
  readonly source = 'postgresql' as const;

  constructor(private readonly pool: pg.Pool) {}

  async close(): Promise<void> {}

  async write(facts: Placed[]): Promise<void> {
    const turns = facts.filter((f): f is Placed<TurnFact> => f.kind === 'turn');
    const tools = facts.filter((f): f is Placed<ToolFact> => f.kind === 'tool');
    const calls = facts.filter((f): f is Placed<CallTelemetryFact> => f.kind === 'call');
    if (turns.length > 0) {
      await this.pool.query(
        `INSERT INTO analytics_turns (space_id, span_id, trace_id, call_id, agent_id, channel, phone_number, start_ms,
           turn_index, source, eou_delay_ms, stt_duration_ms, stt_audio_ms, llm_ttft_ms, llm_duration_ms,
           llm_prompt_tokens, llm_completion_tokens, tts_ttfb_ms, tts_characters, response_latency_ms, interrupted,
           interrupted_after_ms, tool_calls, tool_errors, llm_provider, llm_model, stt_provider, stt_model,
           tts_provider, tts_model)
         SELECT "spaceId", "spanId", "traceId", "callId", "agentId", channel, "phoneNumber", "startMs",
           "turnIndex", source, "eouDelayMs", "sttDurationMs", "sttAudioMs", "llmTtftMs", "llmDurationMs",
           "llmPromptTokens", "llmCompletionTokens", "ttsTtfbMs", "ttsCharacters", "responseLatencyMs", interrupted,
           "interruptedAfterMs", "toolCalls", "toolErrors", "llmProvider", "llmModel", "sttProvider", "sttModel",
           "ttsProvider", "ttsModel"
         FROM jsonb_to_recordset($1::jsonb) AS x("spaceId" uuid, "spanId" text, "traceId" text, "callId" uuid,
           "agentId" uuid, channel text, "phoneNumber" text, "startMs" bigint, "turnIndex" integer, source text,
           "eouDelayMs" float8, "sttDurationMs" float8, "sttAudioMs" float8, "llmTtftMs" float8, "llmDurationMs" float8,
           "llmPromptTokens" bigint, "llmCompletionTokens" bigint, "ttsTtfbMs" float8, "ttsCharacters" bigint,
           "responseLatencyMs" float8, interrupted boolean, "interruptedAfterMs" float8, "toolCalls" integer,
           "toolErrors" integer, "llmProvider" text, "llmModel" text, "sttProvider" text, "sttModel" text,
           "ttsProvider" text, "ttsModel" text)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(turns)],
      );
    }
    if (tools.length > 0) {
      await this.pool.query(
        `INSERT INTO analytics_tool_calls (space_id, span_id, trace_id, call_id, agent_id, channel, phone_number,
           start_ms, turn_index, name, duration_ms, is_error)
         SELECT "spaceId", "spanId", "traceId", "callId", "agentId", channel, "phoneNumber", "startMs", "turnIndex",
           name, "durationMs", error
         FROM jsonb_to_recordset($1::jsonb) AS x("spaceId" uuid, "spanId" text, "traceId" text, "callId" uuid,
           "agentId" uuid, channel text, "phoneNumber" text, "startMs" bigint, "turnIndex" integer, name text,
           "durationMs" float8, error boolean)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(tools)],
      );
    }
    if (calls.length > 0) {
      await this.pool.query(
        `INSERT INTO analytics_call_telemetry (space_id, call_id, span_id, start_ms, mode, turns, llm_provider,
           llm_model, stt_provider, stt_model, tts_provider, tts_model)
         SELECT DISTINCT ON ("spaceId", "callId") "spaceId", "callId", "spanId", "startMs", mode, turns,
           "llmProvider", "llmModel", "sttProvider", "sttModel", "ttsProvider", "ttsModel"
         FROM jsonb_to_recordset($1::jsonb) AS x("spaceId" uuid, "callId" uuid, "spanId" text, "startMs" bigint,
           mode text, turns integer, "llmProvider" text, "llmModel" text, "sttProvider" text, "sttModel" text,
           "ttsProvider" text, "ttsModel" text)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(calls)],
      );
    }
  }

  /** WHERE for facts tables; params from $1. */
  private factWhere(f: ReportFilter): { sql: string; params: unknown[] } {
    const params: unknown[] = [f.spaceId, f.fromMs, f.toMs];
    let sql = 'space_id = $1 AND start_ms >= $2 AND start_ms < $3';
    if (f.agentId) sql += ` AND agent_id = $${params.push(f.agentId)}`;
    if (f.channel) sql += ` AND channel = $${params.push(f.channel)}`;
    if (f.number) sql += ` AND phone_number = $${params.push(f.number)}`;
    return { sql, params };
  }

  private callWhere(f: ReportFilter): { sql: string; params: unknown[] } {
    const params: unknown[] = [f.spaceId, f.fromMs, f.toMs];
    let sql = `space_id = $1 AND status IN ('ended', 'failed')
      AND ${CALL_START} >= to_timestamp($2::float8 / 1000) AND ${CALL_START} < to_timestamp($3::float8 / 1000)`;
    if (f.agentId) sql += ` AND agent_id = $${params.push(f.agentId)}`;
    if (f.channel) sql += ` AND channel = $${params.push(f.channel)}`;
    if (f.number) sql += ` AND ${PHONE_NUMBER_SQL} = $${params.push(f.number)}`;
    return { sql, params };
  }

  async report(f: ReportFilter): Promise<ReportData> {
    const facts = this.factWhere(f);
    const calls = this.callWhere(f);
    const step = f.bucketMs;
    // Six queries at once (each on its own connection): calls by bucket and end reason (totals,
    // outcomes and buckets are sums of those), concurrency, turn totals, turns by bucket, tools, usage.
    const [callGroups, peaks, turnTotals, turnBuckets, tools, usage] = await Promise.all([
      this.pool.query(
        `SELECT (${msOf(CALL_START)} / ${step}) * ${step} AS b, coalesce(end_reason, status) AS reason,
           count(*)::int AS calls, coalesce(sum(duration_seconds), 0)::float8 AS seconds
         FROM calls WHERE ${calls.sql} GROUP BY 1, 2`,
        calls.params,
      ),
      this.pool.query(
        `WITH iv AS (
           SELECT ${msOf('started_at')} AS s, ${msOf('ended_at')} AS e FROM calls
           WHERE ${calls.sql} AND started_at IS NOT NULL AND ended_at IS NOT NULL),
         pieces AS (
           SELECT b, greatest(s, b, $2::bigint) AS ps, least(e, b + ${step}, $3::bigint) AS pe
           FROM iv, generate_series((s / ${step}) * ${step}, (e / ${step}) * ${step}, ${step}::bigint) AS b),
         ev AS (
           SELECT b, ps AS t, 1 AS d FROM pieces WHERE pe > ps
           UNION ALL SELECT b, pe AS t, -1 AS d FROM pieces WHERE pe > ps)
         SELECT b, max(c)::int AS peak FROM (
           SELECT b, sum(d) OVER (PARTITION BY b ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS c FROM ev) run
         GROUP BY b`,
        calls.params,
      ),
      this.pool.query(
        `SELECT count(*)::int AS turns, count(*) FILTER (WHERE interrupted)::int AS interrupted,
           ${pct('eou_delay_ms', 'eou')}, ${pct('stt_duration_ms', 'stt')}, ${pct('llm_ttft_ms', 'llm_ttft')},
           ${pct('llm_duration_ms', 'llm_total')}, ${pct('tts_ttfb_ms', 'tts_ttfb')},
           ${pct('response_latency_ms', 'response')}, ${pct('interrupted_after_ms', 'interrupted_after')}
         FROM analytics_turns WHERE ${facts.sql}`,
        facts.params,
      ),
      this.pool.query(
        `SELECT (start_ms / ${step}) * ${step} AS b, count(*)::int AS turns, ${pct('response_latency_ms', 'response')}
         FROM analytics_turns WHERE ${facts.sql} GROUP BY 1`,
        facts.params,
      ),
      this.pool.query(
        `SELECT name, count(*)::int AS calls, count(*) FILTER (WHERE is_error)::int AS errors,
           ${pct('duration_ms', 'duration')}
         FROM analytics_tool_calls WHERE ${facts.sql} GROUP BY name ORDER BY calls DESC, name`,
        facts.params,
      ),
      // One scan for every provider: the sums per combination of providers, folded per kind.
      this.pool.query(
        `SELECT llm_provider, llm_model, stt_provider, stt_model, tts_provider, tts_model,
           coalesce(sum(llm_prompt_tokens), 0)::float8 AS prompt, coalesce(sum(llm_completion_tokens), 0)::float8 AS completion,
           coalesce(sum(stt_audio_ms), 0)::float8 AS audio_ms, coalesce(sum(tts_characters), 0)::float8 AS characters
         FROM analytics_turns WHERE ${facts.sql} GROUP BY 1, 2, 3, 4, 5, 6`,
        facts.params,
      ),
    ]);

    const t = turnTotals.rows[0] as Record<string, unknown>;
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
    const callFold = foldCallGroups(callGroups.rows);
    for (const [b, r] of callFold.buckets) Object.assign(bucket(b), { calls: r.calls, durationSeconds: r.seconds });
    for (const r of peaks.rows) bucket(r.b).peakConcurrency = r.peak;
    for (const r of turnBuckets.rows)
      Object.assign(bucket(r.b), { turns: r.turns, response: percentiles(r, 'response') });

    return {
      calls: callFold.calls,
      durationSeconds: callFold.seconds,
      outcomes: callFold.outcomes,
      turns: Number(t.turns),
      interruptedTurns: Number(t.interrupted),
      toolCalls: tools.rows.reduce((n, r) => n + r.calls, 0),
      toolErrors: tools.rows.reduce((n, r) => n + r.errors, 0),
      latency: {
        eou: percentiles(t, 'eou'),
        stt: percentiles(t, 'stt'),
        llmTtft: percentiles(t, 'llm_ttft'),
        llmTotal: percentiles(t, 'llm_total'),
        ttsTtfb: percentiles(t, 'tts_ttfb'),
        response: percentiles(t, 'response'),
      },
      interruptedAfter: percentiles(t, 'interrupted_after'),
      tools: tools.rows.map((r) => ({
        name: r.name,
        calls: r.calls,
        errors: r.errors,
        durationMs: percentiles(r, 'duration'),
      })),
      usage: foldUsageGroups(usage.rows),
      buckets: [...buckets.values()].sort((a, b) => a.startMs - b.startMs),
    };
  }

  async callTurns(spaceId: string, callId: string) {
    const [turns, tools, telemetry] = await Promise.all([
      this.pool.query(
        `SELECT * FROM analytics_turns WHERE space_id = $1 AND call_id = $2 ORDER BY start_ms, turn_index`,
        [spaceId, callId],
      ),
      this.pool.query(
        `SELECT turn_index, name, duration_ms, is_error FROM analytics_tool_calls
         WHERE space_id = $1 AND call_id = $2 ORDER BY start_ms, span_id`,
        [spaceId, callId],
      ),
      this.pool.query(`SELECT * FROM analytics_call_telemetry WHERE space_id = $1 AND call_id = $2`, [spaceId, callId]),
    ]);
    return assembleCallTurns(callId, turns.rows, tools.rows, telemetry.rows[0]);
  }
}

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Rows of either backend (same column names) → the per-call waterfall. */
export function assembleCallTurns(callId: string, turns: Row[], tools: Row[], telemetry: Row | undefined) {
  const pair = (provider: unknown, model: unknown) =>
    provider ? { provider: String(provider), model: String(model ?? '') } : null;
  return {
    callId,
    providers: telemetry
      ? {
          llm: pair(telemetry.llm_provider, telemetry.llm_model),
          stt: pair(telemetry.stt_provider, telemetry.stt_model),
          tts: pair(telemetry.tts_provider, telemetry.tts_model),
        }
      : null,
    turns: turns.map((r, i) => {
      const index = num(r.turn_index) ?? i;
      return {
        index,
        source: String(r.source ?? ''),
        startedAt: new Date(Number(r.start_ms)).toISOString(),
        eouDelayMs: num(r.eou_delay_ms),
        sttDurationMs: num(r.stt_duration_ms),
        llmTtftMs: num(r.llm_ttft_ms),
        llmDurationMs: num(r.llm_duration_ms),
        ttsTtfbMs: num(r.tts_ttfb_ms),
        responseLatencyMs: num(r.response_latency_ms),
        interrupted: r.interrupted === true || r.interrupted === 1,
        interruptedAfterMs: num(r.interrupted_after_ms),
        promptTokens: num(r.llm_prompt_tokens),
        completionTokens: num(r.llm_completion_tokens),
        toolCalls: tools
          .filter((tool) => num(tool.turn_index) === index)
          .map((tool) => ({
            name: String(tool.name),
            durationMs: num(tool.duration_ms),
            error: tool.is_error === true || tool.is_error === 1,
          })),
      };
    }),
  };
}
