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
