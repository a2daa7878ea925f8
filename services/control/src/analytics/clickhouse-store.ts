/**
 * Analytics on ClickHouse (the stack): the same facts as the PostgreSQL store, in the tables of
 * contracts' `analyticsClickHouseSchema`. Reads never use FINAL (it merges every part at query time: 3 s over a million
 * turns): a row is written once, since `write`/`writeCalls` leave out the span (call) ids already
 * stored, one write at a time per store; the ReplacingMergeTree still folds the copies a race
 * between two control processes could leave. ClickHouse 18.16 has no query parameters, so every value
 * is validated before it gets here (ids are UUIDs, channel an enum, number E.164) and quoted by `lit`
 * anyway. Whole days are read from the day rollups (SummingMergeTree tables the schema's
 * materialized views fill from the raw tables, so each stored span counts once), partial days from
 * the raw tables. Percentiles are nearest-rank, as on PostgreSQL: from the rollups' 1 ms histograms
 * (`histogramPercentiles`), and over raw turns for hour buckets (`quantilesExact`, see `LEVELS`).
 */
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { ANALYTICS_LATENCY_COLUMNS, analyticsClickHouseSchema, type Percentiles } from '@speaknode/contracts';
import type { CallRef, CallTelemetryFact, Placed, ToolFact, TurnFact } from './facts.ts';
import { assembleCallTurns } from './postgres-store.ts';
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
  type UsageGroup,
} from './store.ts';

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

/**
 * `quantilesExact(level)` takes the sorted values' element at index ⌊level·n⌋ (0-based), nearest rank
 * the one at ⌈p·n⌉ (1-based). For p·n a whole number those differ by one; p·n is otherwise at least
 * 0.01 above a whole number (p ∈ {0.5, 0.9, 0.99}), so level = p − 10⁻¹² gives ⌊level·n⌋ = ⌈p·n⌉ − 1
 * for every n below 10¹⁰: nearest rank, without sorting a copy of the values (`groupArray` +
 * `arraySort`, five times slower over a million turns).
 */
const LEVELS = '0.499999999999, 0.899999999999, 0.989999999999';

/** Columns of nearest-rank percentiles over the values `expr` of the group (NULLs skipped). */
function pct(expr: string, name: string): string {
  return `count(${expr}) AS ${name}_n, quantilesExact(${LEVELS})(${expr}) AS ${name}_p`;
}

type Row = Record<string, unknown>;

function percentiles(row: Row, name: string): Percentiles {
  const n = Number(row[`${name}_n`] ?? 0);
  const p = (row[`${name}_p`] as unknown[] | null | undefined) ?? [];
  const v = (i: number) => (n && p[i] !== null && p[i] !== undefined ? Number(p[i]) : null);
  return { count: n, p50: v(0), p90: v(1), p99: v(2) };
}

/** Ids per IN list: ClickHouse's max_query_size is 256 KiB. */
const IN_CHUNK = 2000;

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The rollup views: view, the table it fills, the raw table it reads. */
const ROLLUP_VIEWS: Array<[string, string, string]> = [
  ['analytics_turn_days_mv', 'analytics_turn_days', 'analytics_turns'],
  ['analytics_turn_latency_mv', 'analytics_latency_days', 'analytics_turns'],
  ['analytics_tool_days_mv', 'analytics_tool_days', 'analytics_tool_calls'],
  ['analytics_tool_latency_mv', 'analytics_latency_days', 'analytics_tool_calls'],
  ['analytics_turn_space_latency_mv', 'analytics_space_latency_days', 'analytics_turns'],
  ['analytics_tool_space_latency_mv', 'analytics_space_latency_days', 'analytics_tool_calls'],
];

const LAT = ANALYTICS_LATENCY_COLUMNS;
const whole = (column: string) => `toUInt32(floor(assumeNotNull(${column}) + 0.5))`;

/**
 * Nearest-rank percentiles per group `g` from a histogram subquery `(g, ms, <columns>)` (one row per
 * group and ms): the counts sorted by ms, summed up, and the first ms whose running count reaches
 * ⌈p·n⌉ (`<column>_n`, `<column>_p`). (`sumMap` does the sorting too, but took longer in 18.16.)
 */
function histogramPercentiles(histogram: string, columns: readonly string[]): string {
  const sorted = columns.map((c) => `arraySort((n, m) -> m, groupArray(${c}), groupArray(ms)) AS ${c}_s`).join(', ');
  const picks = columns
    .map(
      (c) =>
        `arraySum(${c}_s) AS ${c}_n, arrayCumSum(${c}_s) AS ${c}_cum, [${[0.5, 0.9, 0.99]
          .map((p) => `keys[arrayFirstIndex(x -> x >= ceil(${p} * ${c}_n), ${c}_cum)]`)
          .join(', ')}] AS ${c}_p`,
    )
    .join(', ');
  return `SELECT g, ${picks} FROM (
    SELECT g, arraySort(groupArray(ms)) AS keys, ${sorted} FROM (${histogram}) GROUP BY g)`;
}

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

  /**
   * Creates the database, tables and rollup views when missing. A rollup table that is new (an
   * install from before it) gets the facts already stored rolled up once: those written before its
   * views existed (`version`, the write time, below the moment they were created).
   */
  async migrate(): Promise<void> {
    const tables = [...new Set(ROLLUP_VIEWS.map(([, table]) => table))];
    const existed = new Set<string>();
    for (const table of tables) if (await this.tableExists(table)) existed.add(table);
    const createdAt = Date.now();
    for (const query of analyticsClickHouseSchema(this.db)) await this.client.command({ query });
    for (const [view, table, source] of ROLLUP_VIEWS) {
      if (existed.has(table)) continue;
      const select = await this.viewSelect(view);
      if (!select) continue;
      await this.client.command({
        query: `INSERT INTO ${this.db}.${table} SELECT * FROM (${select.replace(
          new RegExp(`FROM ${this.db}\\.${source}\\b`),
          `FROM (SELECT * FROM ${this.db}.${source} WHERE version < ${lit(createdAt)})`,
        )})`,
      });
    }
  }

  private async tableExists(table: string): Promise<boolean> {
    const rows = await this.rows(`EXISTS TABLE ${this.db}.${table}`);
    return Number(Object.values(rows[0] ?? {})[0] ?? 0) === 1;
  }

  /** The SELECT of a rollup view, from contracts' schema (the same text the view runs). */
  private async viewSelect(view: string): Promise<string | undefined> {
    const statement = analyticsClickHouseSchema(this.db).find((q) =>
      q.includes(`VIEW IF NOT EXISTS ${this.db}.${view} `),
    );
    return statement?.slice(statement.indexOf(' AS\n') + 4);
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

  /** One write at a time, so a span sent twice at once is still checked against the first. */
  private writing: Promise<unknown> = Promise.resolve();
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work, work);
    this.writing = run.catch(() => {});
    return run;
  }

  /**
   * The rows whose key (span or call id) is not stored yet, nor earlier in `rows`. The lookup is per
   * space over the rows' time range, so it reads only their part of the primary key.
   */
  private async unseen<R extends { space_id: string; start_time: number }>(
    table: string,
    key: 'span_id' | 'call_id',
    rows: R[],
    byTime = true,
  ): Promise<R[]> {
    const keyOf = (r: R) => `${r.space_id}/${(r as unknown as Record<string, string>)[key]}`;
    const seen = new Set<string>();
    const bySpace = new Map<string, R[]>();
    for (const r of rows) bySpace.set(r.space_id, [...(bySpace.get(r.space_id) ?? []), r]);
    for (const [spaceId, group] of bySpace) {
      for (let i = 0; i < group.length; i += IN_CHUNK) {
        const chunk = group.slice(i, i + IN_CHUNK);
        const times = chunk.map((r) => r.start_time);
        const ids = [...new Set(chunk.map((r) => (r as unknown as Record<string, string>)[key] ?? ''))];
        const range = byTime
          ? ` AND start_time >= toDateTime(${Math.min(...times)}) AND start_time <= toDateTime(${Math.max(...times)})`
          : '';
        const found = await this.rows(
          `SELECT DISTINCT ${key} AS id FROM ${this.db}.${table}
           WHERE space_id = ${lit(spaceId)}${range} AND ${key} IN (${ids.map(lit).join(', ')})`,
        );
        for (const row of found) seen.add(`${spaceId}/${String(row.id)}`);
      }
    }
    return rows.filter((r) => {
      const k = keyOf(r);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  write(facts: Placed[]): Promise<void> {
    return this.serial(() => this.writeNow(facts));
  }

  private async writeNow(facts: Placed[]): Promise<void> {
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
      ['analytics_turns', await this.unseen('analytics_turns', 'span_id', turns)],
      ['analytics_tool_calls', await this.unseen('analytics_tool_calls', 'span_id', tools)],
      // Ordered by (space_id, call_id): a later report of the call may start at another time.
      ['analytics_call_telemetry', await this.unseen('analytics_call_telemetry', 'call_id', calls, false)],
    ];
    for (const [table, values] of tables) {
      if (values.length > 0) await this.client.insert({ table: `${this.db}.${table}`, values, format: 'JSONEachRow' });
    }
  }

  /** Ended calls from control's call records (the call.ended consumer). */
  writeCalls(calls: EndedCall[]): Promise<void> {
    return this.serial(() => this.writeCallsNow(calls));
  }

  private async writeCallsNow(calls: EndedCall[]): Promise<void> {
    if (calls.length === 0) return;
    const version = Date.now();
    const values = await this.unseen(
      'analytics_calls',
      'call_id',
      calls.map((c) => ({
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
    );
    if (values.length > 0)
      await this.client.insert({ table: `${this.db}.analytics_calls`, format: 'JSONEachRow', values });
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
    return [...conditions, ...this.filters(f)].join(' AND ');
  }

  private filters(f: ReportFilter): string[] {
    const conditions: string[] = [];
    if (f.agentId) conditions.push(`agent_id = ${lit(f.agentId)}`);
    if (f.channel) conditions.push(`channel = ${lit(f.channel)}`);
    if (f.number) conditions.push(`phone_number = ${lit(f.number)}`);
    return conditions;
  }

  /** The rollups' whole days of the range, and the raw facts of its partial days (see `rollupRange`). */
  private factWhere(f: ReportFilter): { rollup: string; raw: string; latencyTable: string } {
    const { rollupFrom, rollupTo } = rollupRange(f);
    const filters = this.filters(f)
      .map((c) => ` AND ${c}`)
      .join('');
    const part = (from: number, to: number) =>
      `start_time >= toDateTime(${seconds(from)}) AND start_time <= toDateTime(${seconds(to)}) AND start_ms >= ${lit(from)} AND start_ms < ${lit(to)}`;
    return {
      rollup: `space_id = ${lit(f.spaceId)} AND day_ms >= ${lit(rollupFrom)} AND day_ms < ${lit(rollupTo)}${filters}`,
      raw: `space_id = ${lit(f.spaceId)} AND ((${part(f.fromMs, rollupFrom)}) OR (${part(rollupTo, f.toMs)}))${filters}`,
      // Without agent, channel or number filters the space-wide histogram holds the same counts.
      latencyTable: filters ? 'analytics_latency_days' : 'analytics_space_latency_days',
    };
  }

  async report(f: ReportFilter): Promise<ReportData> {
    const db = this.db;
    const w = this.where(f);
    const facts = this.factWhere(f);
    const step = lit(f.bucketMs);
    const byDay = bucketsFromRollup(f);
    const bucketOf = (column: string) => `intDiv(${column}, ${step}) * ${step}`;
    // The latency histogram of the range: the rollup's whole days and the raw facts of the partial
    // days, one row per (bucket, name, ms) with a count per stage.
    const histogram = `
      SELECT ${bucketOf('day_ms')} AS b, name, ms, ${LAT.map((c) => `${c} AS h_${c}`).join(', ')}
      FROM ${db}.${facts.latencyTable} WHERE ${facts.rollup}
      UNION ALL
      SELECT ${bucketOf('start_ms')} AS b, '' AS name, ${whole('stage.2')} AS ms,
        ${LAT.slice(0, 7)
          .map((c, i) => `toUInt64(stage.1 = ${i + 1}) AS h_${c}`)
          .join(', ')}, toUInt64(0) AS h_tool
      FROM ${db}.analytics_turns
      ARRAY JOIN [${STAGE_COLUMNS.map((c, i) => `(${i + 1}, ${c})`).join(', ')}] AS stage
      WHERE ${facts.raw} AND isNotNull(stage.2)
      UNION ALL
      SELECT ${bucketOf('start_ms')} AS b, name, ${whole('duration_ms')} AS ms,
        ${LAT.slice(0, 7)
          .map((c) => `toUInt64(0) AS h_${c}`)
          .join(', ')}, toUInt64(1) AS h_tool
      FROM ${db}.analytics_tool_calls WHERE ${facts.raw} AND isNotNull(duration_ms)`;
    // The response latencies only, per bucket (the turn rows of the histogram, one column).
    const responses = `
      SELECT ${bucketOf('day_ms')} AS b, ms, response AS h_response
      FROM ${db}.${facts.latencyTable} WHERE ${facts.rollup} AND name = '' AND response > 0
      UNION ALL
      SELECT ${bucketOf('start_ms')} AS b, ${whole('response_latency_ms')} AS ms, toUInt64(1) AS h_response
      FROM ${db}.analytics_turns WHERE ${facts.raw} AND isNotNull(response_latency_ms)`;
    // Six queries at once: calls by bucket and end reason (totals, outcomes and buckets are sums of
    // those), concurrency, turn counts and usage by bucket and provider combination, tool counts, every
    // percentile, the per-bucket response latency.
    const [callGroups, peaks, turnGroups, tools, latency, responseBuckets] = await Promise.all([
      this.rows(
        `SELECT ${bucketOf('start_ms')} AS b, end_reason AS reason, count() AS calls,
           sum(ifNull(duration_seconds, 0)) AS seconds
         FROM ${db}.analytics_calls WHERE ${w} GROUP BY b, reason`,
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
               FROM ${db}.analytics_calls
               WHERE ${w} AND isNotNull(started_ms) AND isNotNull(ended_ms) AND ended_ms >= started_ms
             )
           ) WHERE pe > ps
         ) GROUP BY b`,
      ),
      // Turn counts and usage per bucket (days only; else one group) and provider combination.
      this.rows(
        `SELECT b, llm_provider, llm_model, stt_provider, stt_model, tts_provider, tts_model,
           sum(t_turns) AS turns, sum(t_interrupted) AS interrupted, toFloat64(sum(t_prompt)) AS prompt,
           toFloat64(sum(t_completion)) AS completion, sum(t_audio) AS audio_ms, toFloat64(sum(t_chars)) AS characters
         FROM (
           SELECT ${byDay ? bucketOf('day_ms') : 'toUInt64(0)'} AS b, llm_provider, llm_model, stt_provider, stt_model,
             tts_provider, tts_model, turns AS t_turns, interrupted_turns AS t_interrupted, prompt_tokens AS t_prompt,
             completion_tokens AS t_completion, audio_ms AS t_audio, characters AS t_chars
           FROM ${db}.analytics_turn_days WHERE ${facts.rollup}
           UNION ALL
           SELECT ${byDay ? bucketOf('start_ms') : 'toUInt64(0)'} AS b, llm_provider, llm_model, stt_provider, stt_model,
             tts_provider, tts_model, toUInt64(1) AS t_turns, toUInt64(interrupted) AS t_interrupted,
             toUInt64(ifNull(llm_prompt_tokens, 0)) AS t_prompt, toUInt64(ifNull(llm_completion_tokens, 0)) AS t_completion,
             toFloat64(ifNull(stt_audio_ms, 0)) AS t_audio, toUInt64(ifNull(tts_characters, 0)) AS t_chars
           FROM ${db}.analytics_turns WHERE ${facts.raw}
         ) GROUP BY b, llm_provider, llm_model, stt_provider, stt_model, tts_provider, tts_model`,
      ),
      this.rows(
        `SELECT name, sum(c) AS calls, sum(e) AS errors FROM (
           SELECT name, calls AS c, errors AS e FROM ${db}.analytics_tool_days WHERE ${facts.rollup}
           UNION ALL
           SELECT name, toUInt64(1) AS c, toUInt64(is_error) AS e FROM ${db}.analytics_tool_calls WHERE ${facts.raw}
         ) GROUP BY name`,
      ),
      this.rows(
        histogramPercentiles(
          `SELECT name AS g, ms, ${LAT.map((c) => `sum(h_${c}) AS ${c}`).join(', ')} FROM (${histogram}) GROUP BY g, ms`,
          LAT,
        ),
      ),
      // Per bucket only the response latency: from the histogram when buckets are days, else (hours)
      // from the raw facts.
      byDay
        ? this.rows(
            histogramPercentiles(`SELECT b AS g, ms, sum(h_response) AS response FROM (${responses}) GROUP BY g, ms`, [
              'response',
            ]),
          )
        : this.rows(
            `SELECT ${bucketOf('start_ms')} AS g, count() AS turns, ${pct('response_latency_ms', 'response')}
             FROM ${db}.analytics_turns WHERE ${w} GROUP BY g`,
          ),
    ]);
    const callFold = foldCallGroups(callGroups as unknown as CallGroup[]);
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
    for (const [b, r] of callFold.buckets) Object.assign(bucket(b), { calls: r.calls, durationSeconds: r.seconds });
    for (const r of peaks) bucket(r.b).peakConcurrency = Number(r.peak);
    let turns = 0;
    let interrupted = 0;
    for (const r of turnGroups) {
      turns += Number(r.turns);
      interrupted += Number(r.interrupted);
      if (byDay) bucket(r.b).turns += Number(r.turns);
    }
    for (const r of responseBuckets) {
      const row = bucket(r.g);
      row.response = percentiles(r, 'response');
      if (!byDay) row.turns = Number(r.turns);
    }
    const latencyOf = (name: string) => latency.find((r) => r.g === name) ?? {};
    const t = latencyOf('');
    const toolRows = tools.map((r) => ({
      name: String(r.name),
      calls: Number(r.calls),
      errors: Number(r.errors),
      durationMs: percentiles(latencyOf(String(r.name)), 'tool'),
    }));
    return {
      calls: callFold.calls,
      durationSeconds: callFold.seconds,
      outcomes: callFold.outcomes,
      turns,
      interruptedTurns: interrupted,
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
      usage: foldUsageGroups(turnGroups as unknown as UsageGroup[]),
      buckets: [...buckets.values()].sort((a, b) => a.startMs - b.startMs),
    };
  }

  async callTurns(spaceId: string, callId: string) {
    const where = `space_id = ${lit(spaceId)} AND call_id = ${lit(callId)}`;
    const [turns, tools, telemetry] = await Promise.all([
      // LIMIT 1 BY: a copy a write race left (before the merge folds it) shows once.
      this.rows(
        `SELECT * FROM ${this.db}.analytics_turns WHERE ${where} ORDER BY start_ms, turn_index LIMIT 1 BY span_id`,
      ),
      this.rows(
        `SELECT turn_index, name, duration_ms, is_error FROM ${this.db}.analytics_tool_calls WHERE ${where}
         ORDER BY start_ms, span_id LIMIT 1 BY span_id`,
      ),
      // The first report stays (the highest version, as the merge keeps).
      this.rows(`SELECT * FROM ${this.db}.analytics_call_telemetry WHERE ${where} ORDER BY version DESC LIMIT 1`),
    ]);
    return assembleCallTurns(callId, turns, tools, telemetry[0]);
  }
}
