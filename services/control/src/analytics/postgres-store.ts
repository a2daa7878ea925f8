/**
 * Analytics on PostgreSQL (the embedded default, and any install without ClickHouse): facts in the
 * analytics_* tables (migration 0200), day rollups kept in the same statement as each raw insert
 * (migration 0202), call figures straight from `calls`. Percentiles are nearest-rank (the value at
 * rank ⌈p·n⌉), from the rollups' exact 1 ms histograms plus the raw facts of a range's partial days.
 */
import { ANALYTICS_LATENCY_COLUMNS, ANALYTICS_ROLLUP_MS, type Percentiles } from '@speaknode/contracts';
import type pg from 'pg';
import { PHONE_NUMBER_SQL } from './call-refs.ts';
import type { CallTelemetryFact, Placed, ToolFact, TurnFact } from './facts.ts';
import {
  type AnalyticsStore,
  bucketsFromRollup,
  type CallGroup,
  foldCallGroups,
  foldUsageGroups,
  type ReportData,
  type ReportFilter,
  rollupRange,
  STAGE_COLUMNS,
} from './store.ts';

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
const DAY = ANALYTICS_ROLLUP_MS;
const dayOf = (column: string) => `(${column} / ${DAY}) * ${DAY}`;
/** A latency in whole ms, rounded half up (as ingest rounds; the stored ones are whole already). */
const whole = (column: string) => `floor(${column} + 0.5)::integer`;
const KEY = 'space_id, day_ms, agent_id, channel, phone_number';
const PROVIDERS = 'llm_provider, llm_model, stt_provider, stt_model, tts_provider, tts_model';
const LAT = ANALYTICS_LATENCY_COLUMNS;
const REPORT_WORK_MEM = '64MB';
/** `SET c = table.c + excluded.c` for each column. */
const adding = (table: string, columns: readonly string[]) =>
  columns.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ');

/**
 * Nearest-rank percentiles per group from a histogram CTE `source(g, ms, <columns>)`: the smallest ms
 * whose cumulative count reaches ⌈p·n⌉. A CTE `name` of running sums and the SELECT of one row per
 * group (`g`, `<column>_n`, `<column>_p`).
 */
function histogramPercentiles(source: string, name: string, columns: readonly string[]) {
  const windows = columns
    .map((c) => `sum(${c}) OVER (PARTITION BY g ORDER BY ms) AS ${c}_cum, sum(${c}) OVER (PARTITION BY g) AS ${c}_all`)
    .join(', ');
  const picks = columns
    .map(
      (c) =>
        `coalesce(max(${c}_all), 0)::float8 AS ${c}_n, ARRAY[${[0.5, 0.9, 0.99]
          .map((p) => `min(ms) FILTER (WHERE ${c}_cum >= ceil(${p} * ${c}_all))`)
          .join(', ')}] AS ${c}_p`,
    )
    .join(', ');
  return {
    cte: `${name} AS (SELECT g, ms, ${windows} FROM ${source})`,
    select: `SELECT g, ${picks} FROM ${name} GROUP BY g`,
  };
}

export class PostgresAnalyticsStore implements AnalyticsStore {
  readonly source = 'postgresql' as const;

  constructor(private readonly pool: pg.Pool) {}

  async close(): Promise<void> {}

  /**
   * A report query, read-only, with room to aggregate in memory (`work_mem`; the default 4 MB spills
   * the histogram's hash tables to disk) and without JIT (compiling costs more than these queries
   * run).
   */
  private async read(sql: string, params: unknown[]): Promise<pg.QueryResult> {
    const client = await this.pool.connect();
    try {
      await client.query(`BEGIN READ ONLY; SET LOCAL work_mem = '${REPORT_WORK_MEM}'; SET LOCAL jit = off`);
      const result = await client.query(sql, params);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * One statement per kind: the raw insert (`ON CONFLICT DO NOTHING`) and the rollup upserts of the
   * rows it actually inserted (`RETURNING`), so a re-sent span counts once and a rollup never
   * disagrees with its facts. Upserts go in key order (no deadlock between concurrent batches).
   */
  async write(facts: Placed[]): Promise<void> {
    const turns = facts.filter((f): f is Placed<TurnFact> => f.kind === 'turn');
    const tools = facts.filter((f): f is Placed<ToolFact> => f.kind === 'tool');
    const calls = facts.filter((f): f is Placed<CallTelemetryFact> => f.kind === 'call');
    if (turns.length > 0) {
      const stages = STAGE_COLUMNS.map((c, i) => `(${i + 1}, ${c})`).join(', ');
      await this.pool.query(
        `WITH ins AS (
           INSERT INTO analytics_turns (space_id, span_id, trace_id, call_id, agent_id, channel, phone_number, start_ms,
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
           ORDER BY 1, 2
           ON CONFLICT DO NOTHING
           RETURNING *, ${dayOf('start_ms')} AS day_ms),
         days AS (
           INSERT INTO analytics_turn_days AS d (${KEY}, ${PROVIDERS}, turns, interrupted_turns, prompt_tokens,
             completion_tokens, audio_ms, characters)
           SELECT ${KEY}, ${PROVIDERS}, count(*), count(*) FILTER (WHERE interrupted),
             coalesce(sum(llm_prompt_tokens), 0), coalesce(sum(llm_completion_tokens), 0),
             coalesce(sum(stt_audio_ms), 0), coalesce(sum(tts_characters), 0)
           FROM ins GROUP BY ${KEY}, ${PROVIDERS} ORDER BY ${KEY}, ${PROVIDERS}
           ON CONFLICT (${KEY}, ${PROVIDERS}) DO UPDATE SET
             ${adding('d', ['turns', 'interrupted_turns', 'prompt_tokens', 'completion_tokens', 'audio_ms', 'characters'])}),
         latency AS (
           INSERT INTO analytics_latency_days AS l (${KEY}, name, ms, ${LAT.slice(0, 7).join(', ')})
           SELECT ${KEY}, '', ${whole('v.value')} AS ms,
             ${LAT.slice(0, 7)
               .map((_, i) => `count(*) FILTER (WHERE v.stage = ${i + 1})`)
               .join(', ')}
           FROM ins, LATERAL (VALUES ${stages}) AS v (stage, value)
           WHERE v.value IS NOT NULL
           GROUP BY ${KEY}, 7 ORDER BY ${KEY}, 7
           ON CONFLICT (${KEY}, name, ms) DO UPDATE SET ${adding('l', LAT.slice(0, 7))}),
         space_latency AS (
           INSERT INTO analytics_space_latency_days AS l (space_id, day_ms, name, ms, ${LAT.slice(0, 7).join(', ')})
           SELECT space_id, day_ms, '', ${whole('v.value')} AS ms,
             ${LAT.slice(0, 7)
               .map((_, i) => `count(*) FILTER (WHERE v.stage = ${i + 1})`)
               .join(', ')}
           FROM ins, LATERAL (VALUES ${stages}) AS v (stage, value)
           WHERE v.value IS NOT NULL
           GROUP BY space_id, day_ms, 4 ORDER BY space_id, day_ms, 4
           ON CONFLICT (space_id, day_ms, name, ms) DO UPDATE SET ${adding('l', LAT.slice(0, 7))})
         SELECT count(*) FROM ins`,
        [JSON.stringify(turns)],
      );
    }
    if (tools.length > 0) {
      await this.pool.query(
        `WITH ins AS (
           INSERT INTO analytics_tool_calls (space_id, span_id, trace_id, call_id, agent_id, channel, phone_number,
             start_ms, turn_index, name, duration_ms, is_error)
           SELECT "spaceId", "spanId", "traceId", "callId", "agentId", channel, "phoneNumber", "startMs", "turnIndex",
             name, "durationMs", error
           FROM jsonb_to_recordset($1::jsonb) AS x("spaceId" uuid, "spanId" text, "traceId" text, "callId" uuid,
             "agentId" uuid, channel text, "phoneNumber" text, "startMs" bigint, "turnIndex" integer, name text,
             "durationMs" float8, error boolean)
           ORDER BY 1, 2
           ON CONFLICT DO NOTHING
           RETURNING *, ${dayOf('start_ms')} AS day_ms),
         days AS (
           INSERT INTO analytics_tool_days AS d (${KEY}, name, calls, errors)
           SELECT ${KEY}, name, count(*), count(*) FILTER (WHERE is_error)
           FROM ins GROUP BY ${KEY}, name ORDER BY ${KEY}, name
           ON CONFLICT (${KEY}, name) DO UPDATE SET ${adding('d', ['calls', 'errors'])}),
         latency AS (
           INSERT INTO analytics_latency_days AS l (${KEY}, name, ms, tool)
           SELECT ${KEY}, name, ${whole('duration_ms')} AS ms, count(*)
           FROM ins WHERE duration_ms IS NOT NULL
           GROUP BY ${KEY}, name, 7 ORDER BY ${KEY}, name, 7
           ON CONFLICT (${KEY}, name, ms) DO UPDATE SET ${adding('l', ['tool'])}),
         space_latency AS (
           INSERT INTO analytics_space_latency_days AS l (space_id, day_ms, name, ms, tool)
           SELECT space_id, day_ms, name, ${whole('duration_ms')} AS ms, count(*)
           FROM ins WHERE duration_ms IS NOT NULL
           GROUP BY space_id, day_ms, name, 4 ORDER BY space_id, day_ms, name, 4
           ON CONFLICT (space_id, day_ms, name, ms) DO UPDATE SET ${adding('l', ['tool'])})
         SELECT count(*) FROM ins`,
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

  /**
   * WHERE for the rollups (whole days) and the raw facts (the partial days at the edges), same params:
   * $1 space, $2 from, $3 to, $4 rollup from, $5 rollup to, then the filters.
   */
  private factWhere(f: ReportFilter): { rollup: string; raw: string; params: unknown[]; latencyTable: string } {
    const { rollupFrom, rollupTo } = rollupRange(f);
    const params: unknown[] = [f.spaceId, f.fromMs, f.toMs, rollupFrom, rollupTo];
    let filters = '';
    if (f.agentId) filters += ` AND agent_id = $${params.push(f.agentId)}`;
    if (f.channel) filters += ` AND channel = $${params.push(f.channel)}`;
    if (f.number) filters += ` AND phone_number = $${params.push(f.number)}`;
    return {
      rollup: `space_id = $1 AND day_ms >= $4 AND day_ms < $5${filters}`,
      raw: `space_id = $1 AND (start_ms >= $2 AND start_ms < $4 OR start_ms >= $5 AND start_ms < $3)${filters}`,
      params,
      // Without agent, channel or number filters the space-wide histogram holds the same counts.
      latencyTable: filters ? 'analytics_latency_days' : 'analytics_space_latency_days',
    };
  }

  /** WHERE for the raw facts of the whole range: $1 space, $2 from, $3 to, then the filters. */
  private rawWhere(f: ReportFilter): { sql: string; params: unknown[] } {
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
    const byDay = bucketsFromRollup(f);
    const bucketOf = (column: string) => `(${column} / ${step}) * ${step}`;
    // The latency histogram of the range: the rollup's whole days and the edges' raw facts, one row
    // per (bucket, name, ms) with a count per stage.
    const stages = STAGE_COLUMNS.map((c, i) => `(${i + 1}, t.${c})`).join(', ');
    // Per-bucket figures from the histogram only for day buckets (else one group).
    const hb = (column: string) => (byDay ? bucketOf(column) : '0::bigint');
    const histogram = `h AS NOT MATERIALIZED (
        SELECT ${hb('day_ms')} AS b, name, ms, ${LAT.join(', ')}
        FROM ${facts.latencyTable} WHERE ${facts.rollup}
        UNION ALL
        SELECT ${hb('t.start_ms')}, '', ${whole('v.value')},
          ${LAT.slice(0, 7)
            .map((_, i) => `(v.stage = ${i + 1})::int`)
            .join(', ')}, 0
        FROM analytics_turns t, LATERAL (VALUES ${stages}) AS v (stage, value)
        WHERE ${facts.raw.replace(/(agent_id|channel|phone_number|space_id|start_ms)\b/g, 't.$1')} AND v.value IS NOT NULL
        UNION ALL
        SELECT ${hb('start_ms')}, name, ${whole('duration_ms')}, 0, 0, 0, 0, 0, 0, 0, 1
        FROM analytics_tool_calls WHERE ${facts.raw} AND duration_ms IS NOT NULL)`;
    // Four queries at once (five with hour buckets; each on its own connection): the ended calls (by
    // bucket and end reason: totals, outcomes and buckets are sums of those; concurrency), turn counts
    // and usage by bucket and provider combination, tool counts, every percentile.
    const totals = histogramPercentiles('mt', 'ct', LAT);
    const perBucket = histogramPercentiles('mr', 'cr', ['response']);
    const [callFigures, turnGroups, tools, latencies, hourBuckets] = await Promise.all([
      // One scan of the ended calls: counts and minutes by bucket × end reason, and per bucket the
      // peak concurrency (each call's interval clipped to the bucket and the range, +1 at its start and
      // −1 at its end, an end before a start at the same instant, running sum, maximum).
      this.read(
        `WITH c AS MATERIALIZED (
           SELECT (${msOf(CALL_START)} / ${step}) * ${step} AS b, coalesce(end_reason, status) AS reason,
             duration_seconds, ${msOf('started_at')} AS s, ${msOf('ended_at')} AS e
           FROM calls WHERE ${calls.sql}),
         groups AS (
           SELECT b, reason, count(*)::int AS calls, coalesce(sum(duration_seconds), 0)::float8 AS seconds
           FROM c GROUP BY 1, 2),
         pieces AS (
           SELECT p AS b, greatest(s, p, $2::bigint) AS ps, least(e, p + ${step}, $3::bigint) AS pe
           FROM c, generate_series((s / ${step}) * ${step}, (e / ${step}) * ${step}, ${step}::bigint) AS p
           WHERE s IS NOT NULL AND e IS NOT NULL),
         ev AS (
           SELECT b, ps AS t, 1 AS d FROM pieces WHERE pe > ps
           UNION ALL SELECT b, pe AS t, -1 AS d FROM pieces WHERE pe > ps),
         peaks AS (
           SELECT b, max(n)::int AS peak FROM (
             SELECT b, sum(d) OVER (PARTITION BY b ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS n FROM ev) run
           GROUP BY b)
         SELECT (SELECT coalesce(json_agg(groups), '[]') FROM groups) AS groups,
           (SELECT coalesce(json_agg(peaks), '[]') FROM peaks) AS peaks`,
        calls.params,
      ),
      this.read(
        `SELECT b, ${PROVIDERS}, sum(turns)::float8 AS turns, sum(interrupted)::float8 AS interrupted,
           sum(prompt)::float8 AS prompt, sum(completion)::float8 AS completion, sum(audio_ms)::float8 AS audio_ms,
           sum(characters)::float8 AS characters
         FROM (
           SELECT ${byDay ? bucketOf('day_ms') : 'NULL::bigint'} AS b, ${PROVIDERS}, turns,
             interrupted_turns AS interrupted, prompt_tokens AS prompt, completion_tokens AS completion, audio_ms,
             characters
           FROM analytics_turn_days WHERE ${facts.rollup}
           UNION ALL
           SELECT ${byDay ? bucketOf('start_ms') : 'NULL::bigint'}, ${PROVIDERS}, 1, interrupted::int,
             coalesce(llm_prompt_tokens, 0), coalesce(llm_completion_tokens, 0), coalesce(stt_audio_ms, 0),
             coalesce(tts_characters, 0)
           FROM analytics_turns WHERE ${facts.raw}) x
         GROUP BY b, ${PROVIDERS}`,
        facts.params,
      ),
      this.read(
        `SELECT name, sum(calls)::int AS calls, sum(errors)::int AS errors FROM (
           SELECT name, calls, errors FROM analytics_tool_days WHERE ${facts.rollup}
           UNION ALL
           SELECT name, 1, is_error::int FROM analytics_tool_calls WHERE ${facts.raw}) x
         GROUP BY name`,
        facts.params,
      ),
      // Every percentile in one query: the histogram summed per (name, ms) for the totals and, for day
      // buckets, per (bucket, ms) for the response latency per bucket.
      this.read(
        `WITH ${histogram},
         mt AS (SELECT name AS g, ms, ${LAT.map((c) => `sum(${c}) AS ${c}`).join(', ')} FROM h GROUP BY name, ms),
         mr AS (SELECT b AS g, ms, sum(response) AS response FROM h WHERE name = '' AND response > 0 GROUP BY b, ms),
         ${totals.cte}, ${perBucket.cte}
         SELECT (SELECT json_agg(x) FROM (${totals.select}) x) AS totals,
           ${byDay ? `(SELECT json_agg(y) FROM (${perBucket.select}) y)` : 'NULL::json'} AS buckets`,
        facts.params,
      ),
      // Hour buckets: the turns and response latency per bucket from the raw turns.
      byDay
        ? Promise.resolve({ rows: [] as Record<string, unknown>[] })
        : this.read(
            `SELECT (start_ms / ${step}) * ${step} AS g, count(*)::int AS turns, ${pct('response_latency_ms', 'response')}
             FROM analytics_turns WHERE ${this.rawWhere(f).sql} GROUP BY 1`,
            this.rawWhere(f).params,
          ),
    ]);

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
    const { groups: callGroups, peaks } = callFigures.rows[0] as {
      groups: CallGroup[];
      peaks: Array<{ b: number; peak: number }>;
    };
    const callFold = foldCallGroups(callGroups);
    for (const [b, r] of callFold.buckets) Object.assign(bucket(b), { calls: r.calls, durationSeconds: r.seconds });
    for (const r of peaks) bucket(r.b).peakConcurrency = r.peak;
    let turns = 0;
    let interrupted = 0;
    for (const r of turnGroups.rows) {
      turns += r.turns;
      interrupted += r.interrupted;
      if (byDay) bucket(r.b).turns += r.turns;
    }
    const { totals: latency, buckets: responseBuckets } = latencies.rows[0] as {
      totals: Array<Record<string, unknown>> | null;
      buckets: Array<Record<string, unknown>> | null;
    };
    for (const r of [...(responseBuckets ?? []), ...hourBuckets.rows]) {
      const row = bucket(r.g);
      row.response = percentiles(r, 'response');
      if (!byDay) row.turns = Number(r.turns);
    }
    const latencyOf = (name: string) => (latency ?? []).find((r) => r.g === name) ?? {};
    const t = latencyOf('');
    return {
      calls: callFold.calls,
      durationSeconds: callFold.seconds,
      outcomes: callFold.outcomes,
      turns,
      interruptedTurns: interrupted,
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
        durationMs: percentiles(latencyOf(r.name), 'tool'),
      })),
      usage: foldUsageGroups(turnGroups.rows),
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
