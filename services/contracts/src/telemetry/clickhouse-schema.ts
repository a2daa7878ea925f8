/**
 * The analytics tables in ClickHouse, defined once: control applies them at start (CREATE … IF NOT
 * EXISTS, like its PostgreSQL migrations) and the appliance writes the same statements into the
 * stack's ClickHouse init file, so both agree on tables and columns. Modelled on Langfuse's
 * ClickHouse schema: partitioned by month, ordered by space then time (every dashboard query is one
 * space over a time range). Control writes a row once (it leaves out ids already stored); the
 * ReplacingMergeTree (`version`) folds a copy two control processes could race into.
 *
 * Only what ClickHouse 18.16 (Debian) already accepts and current ClickHouse still accepts: no
 * DateTime64 (times are DateTime plus a UInt64 millisecond column), no LowCardinality, no Map, no
 * TTL, no query parameters. The rows are written by control (from `POST /v1/traces`, and in the stack
 * from the Kafka topic the collector fills), not by a Kafka engine table: control checks each span's
 * call against its call records first (see control's README, "Analytics").
 */
export function analyticsClickHouseSchema(database = 'speaknode'): string[] {
  const db = database.replace(/[^A-Za-z0-9_]/g, '');
  const placed = `space_id String, call_id String, agent_id String, channel String, phone_number String`;
  const span = `span_id String, trace_id String, start_time DateTime, start_ms UInt64`;
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    `CREATE TABLE IF NOT EXISTS ${db}.analytics_turns (
  ${placed}, ${span},
  turn_index Nullable(Int32), source String,
  eou_delay_ms Nullable(Float64), stt_duration_ms Nullable(Float64), stt_audio_ms Nullable(Float64),
  llm_ttft_ms Nullable(Float64), llm_duration_ms Nullable(Float64),
  llm_prompt_tokens Nullable(UInt64), llm_completion_tokens Nullable(UInt64),
  tts_ttfb_ms Nullable(Float64), tts_characters Nullable(UInt64), response_latency_ms Nullable(Float64),
  interrupted UInt8, interrupted_after_ms Nullable(Float64), tool_calls UInt32, tool_errors UInt32,
  llm_provider String, llm_model String, stt_provider String, stt_model String, tts_provider String, tts_model String,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (space_id, start_time, span_id)`,
    `CREATE TABLE IF NOT EXISTS ${db}.analytics_tool_calls (
  ${placed}, ${span},
  turn_index Nullable(Int32), name String, duration_ms Nullable(Float64), is_error UInt8,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (space_id, start_time, span_id)`,
    `CREATE TABLE IF NOT EXISTS ${db}.analytics_call_telemetry (
  space_id String, call_id String, span_id String, start_time DateTime, start_ms UInt64,
  mode String, turns Nullable(Int32),
  llm_provider String, llm_model String, stt_provider String, stt_model String, tts_provider String, tts_model String,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (space_id, call_id)`,
    ...analyticsRollups(db),
    // Ended calls, copied from control's call records when they end (the call.ended event).
    `CREATE TABLE IF NOT EXISTS ${db}.analytics_calls (
  ${placed},
  start_time DateTime, start_ms UInt64, started_ms Nullable(UInt64), ended_ms Nullable(UInt64),
  duration_seconds Nullable(Float64), end_reason String,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (space_id, start_time, call_id)`,
  ];
}

/** One UTC day in ms: the rollups' bucket (`day_ms`), in both backends. */
export const ANALYTICS_ROLLUP_MS = 86_400_000;

/**
 * The latency stages the histogram rollup counts: its count column and the raw turn column it counts.
 * Every latency is stored and reported in whole milliseconds (control rounds what a span says, half
 * up), so a histogram of 1 ms bins holds every value exactly and its percentiles are the exact ones.
 */
export const ANALYTICS_LATENCY_STAGES = [
  ['eou', 'eou_delay_ms'],
  ['stt', 'stt_duration_ms'],
  ['llm_ttft', 'llm_ttft_ms'],
  ['llm_total', 'llm_duration_ms'],
  ['tts_ttfb', 'tts_ttfb_ms'],
  ['response', 'response_latency_ms'],
  ['interrupted_after', 'interrupted_after_ms'],
] as const;

/** The histogram's count columns: the turn stages, then `tool` (a tool's durations, under its name). */
export const ANALYTICS_LATENCY_COLUMNS = [...ANALYTICS_LATENCY_STAGES.map(([column]) => column), 'tool'] as const;

/**
 * The day rollups, kept at ingest: materialized views from the raw tables into SummingMergeTree
 * tables (control inserts each span once, so each is counted once). Per space, UTC day, agent,
 * channel and number: turn counts and usage per provider combination, tool calls and errors per tool,
 * and an exact latency histogram (one row per stage-less `ms` value, a count column per stage; tool
 * durations under the tool's `name`, the turn stages under name ''). Reads sum the rows (`sum(…)
 * GROUP BY`), so unmerged parts count right. `TO` views, ARRAY JOIN of tuples and GROUP BY in a view:
 * all in 18.16 and current ClickHouse (18.16 wants every column of a `TO` table in the view's SELECT). Latencies are rounded half up (`floor(x + 0.5)`, as control
 * rounds); the raw rows control writes are whole already.
 */
function analyticsRollups(db: string): string[] {
  const placed = 'space_id String, day_ms UInt64, agent_id String, channel String, phone_number String';
  const key = 'space_id, day_ms, agent_id, channel, phone_number';
  const day = `intDiv(start_ms, ${ANALYTICS_ROLLUP_MS}) * ${ANALYTICS_ROLLUP_MS} AS day_ms`;
  const partition = `PARTITION BY toYYYYMM(toDateTime(intDiv(day_ms, 1000)))`;
  const providers = 'llm_provider, llm_model, stt_provider, stt_model, tts_provider, tts_model';
  const whole = (column: string) => `toUInt32(floor(assumeNotNull(${column}) + 0.5))`;
  const stages = ANALYTICS_LATENCY_STAGES;
  // The two histograms: per agent, channel and number, and per space only.
  const latencyViews: Array<[string, string, string, string]> = [
    ['latency', 'analytics_latency_days', `space_id, ${day}, agent_id, channel, phone_number`, key],
    ['space_latency', 'analytics_space_latency_days', `space_id, ${day}`, 'space_id, day_ms'],
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.analytics_turn_days (
  ${placed},
  llm_provider String, llm_model String, stt_provider String, stt_model String, tts_provider String, tts_model String,
  turns UInt64, interrupted_turns UInt64, prompt_tokens UInt64, completion_tokens UInt64, audio_ms Float64,
  characters UInt64
) ENGINE = SummingMergeTree()
${partition}
ORDER BY (${key}, ${providers})`,
    `CREATE TABLE IF NOT EXISTS ${db}.analytics_tool_days (
  ${placed}, name String, calls UInt64, errors UInt64
) ENGINE = SummingMergeTree()
${partition}
ORDER BY (${key}, name)`,
    `CREATE TABLE IF NOT EXISTS ${db}.analytics_latency_days (
  ${placed}, name String, ms UInt32,
  ${ANALYTICS_LATENCY_COLUMNS.map((c) => `${c} UInt64`).join(', ')}
) ENGINE = SummingMergeTree()
${partition}
ORDER BY (${key}, name, ms)`,
    // The same histogram over the whole space (no agent, channel or number): what a report without
    // those filters reads, about a tenth of the rows.
    `CREATE TABLE IF NOT EXISTS ${db}.analytics_space_latency_days (
  space_id String, day_ms UInt64, name String, ms UInt32,
  ${ANALYTICS_LATENCY_COLUMNS.map((c) => `${c} UInt64`).join(', ')}
) ENGINE = SummingMergeTree()
${partition}
ORDER BY (space_id, day_ms, name, ms)`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.analytics_turn_days_mv TO ${db}.analytics_turn_days AS
SELECT space_id, ${day}, agent_id, channel, phone_number, ${providers},
  count() AS turns, toUInt64(sum(interrupted)) AS interrupted_turns,
  toUInt64(sum(ifNull(llm_prompt_tokens, 0))) AS prompt_tokens,
  toUInt64(sum(ifNull(llm_completion_tokens, 0))) AS completion_tokens,
  toFloat64(sum(ifNull(stt_audio_ms, 0))) AS audio_ms, toUInt64(sum(ifNull(tts_characters, 0))) AS characters
FROM ${db}.analytics_turns
GROUP BY ${key}, ${providers}`,
    ...latencyViews.flatMap(([suffix, table, placedColumns, group]) => [
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.analytics_turn_${suffix}_mv TO ${db}.${table} AS
SELECT ${placedColumns}, '' AS name, ${whole('stage.2')} AS ms,
  ${stages.map(([c], i) => `toUInt64(sum(stage.1 = ${i + 1})) AS ${c}`).join(', ')}, toUInt64(0) AS tool
FROM ${db}.analytics_turns
ARRAY JOIN [${stages.map(([, column], i) => `(${i + 1}, ${column})`).join(', ')}] AS stage
WHERE isNotNull(stage.2)
GROUP BY ${group}, name, ms`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.analytics_tool_${suffix}_mv TO ${db}.${table} AS
SELECT ${placedColumns}, name, ${whole('duration_ms')} AS ms,
  ${stages.map(([c]) => `toUInt64(0) AS ${c}`).join(', ')}, count() AS tool
FROM ${db}.analytics_tool_calls
WHERE isNotNull(duration_ms)
GROUP BY ${group}, name, ms`,
    ]),
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.analytics_tool_days_mv TO ${db}.analytics_tool_days AS
SELECT space_id, ${day}, agent_id, channel, phone_number, name, count() AS calls, toUInt64(sum(is_error)) AS errors
FROM ${db}.analytics_tool_calls
GROUP BY ${key}, name`,
  ];
}
