-- Analytics rollups (issue 20): per space, UTC day (day_ms), agent, channel and number, kept at
-- ingest in the same statement as the raw insert (only spans inserted for the first time count).
-- The dashboard reads whole days from these and only the partial days at a range's edges from the
-- raw tables. Latencies are whole milliseconds, so the histogram (a row per ms value, a count per
-- stage) gives exact percentiles. Same tables as ClickHouse's (contracts' analyticsClickHouseSchema).

CREATE TABLE analytics_turn_days (
  space_id uuid NOT NULL,
  day_ms bigint NOT NULL,
  agent_id uuid NOT NULL,
  channel text NOT NULL,
  phone_number text NOT NULL,
  llm_provider text NOT NULL,
  llm_model text NOT NULL,
  stt_provider text NOT NULL,
  stt_model text NOT NULL,
  tts_provider text NOT NULL,
  tts_model text NOT NULL,
  turns bigint NOT NULL,
  interrupted_turns bigint NOT NULL,
  prompt_tokens bigint NOT NULL,
  completion_tokens bigint NOT NULL,
  audio_ms double precision NOT NULL,
  characters bigint NOT NULL,
  PRIMARY KEY (space_id, day_ms, agent_id, channel, phone_number, llm_provider, llm_model, stt_provider, stt_model,
    tts_provider, tts_model)
);

CREATE TABLE analytics_tool_days (
  space_id uuid NOT NULL,
  day_ms bigint NOT NULL,
  agent_id uuid NOT NULL,
  channel text NOT NULL,
  phone_number text NOT NULL,
  name text NOT NULL,
  calls bigint NOT NULL,
  errors bigint NOT NULL,
  PRIMARY KEY (space_id, day_ms, agent_id, channel, phone_number, name)
);

-- name '': the turn stages; a tool's name: that tool's durations (column tool).
CREATE TABLE analytics_latency_days (
  space_id uuid NOT NULL,
  day_ms bigint NOT NULL,
  agent_id uuid NOT NULL,
  channel text NOT NULL,
  phone_number text NOT NULL,
  name text NOT NULL,
  ms integer NOT NULL,
  eou integer NOT NULL DEFAULT 0,
  stt integer NOT NULL DEFAULT 0,
  llm_ttft integer NOT NULL DEFAULT 0,
  llm_total integer NOT NULL DEFAULT 0,
  tts_ttfb integer NOT NULL DEFAULT 0,
  response integer NOT NULL DEFAULT 0,
  interrupted_after integer NOT NULL DEFAULT 0,
  tool integer NOT NULL DEFAULT 0,
  PRIMARY KEY (space_id, day_ms, agent_id, channel, phone_number, name, ms)
);

-- The same histogram over the whole space (no agent, channel or number): what a report without
-- those filters reads, about a tenth of the rows.
CREATE TABLE analytics_space_latency_days (
  space_id uuid NOT NULL,
  day_ms bigint NOT NULL,
  name text NOT NULL,
  ms integer NOT NULL,
  eou integer NOT NULL DEFAULT 0,
  stt integer NOT NULL DEFAULT 0,
  llm_ttft integer NOT NULL DEFAULT 0,
  llm_total integer NOT NULL DEFAULT 0,
  tts_ttfb integer NOT NULL DEFAULT 0,
  response integer NOT NULL DEFAULT 0,
  interrupted_after integer NOT NULL DEFAULT 0,
  tool integer NOT NULL DEFAULT 0,
  PRIMARY KEY (space_id, day_ms, name, ms)
);

-- The facts stored before this migration, rolled up once (latencies rounded half up, as ingest does).
INSERT INTO analytics_turn_days
SELECT space_id, (start_ms / 86400000) * 86400000, agent_id, channel, phone_number, llm_provider, llm_model,
  stt_provider, stt_model, tts_provider, tts_model, count(*), count(*) FILTER (WHERE interrupted),
  coalesce(sum(llm_prompt_tokens), 0), coalesce(sum(llm_completion_tokens), 0), coalesce(sum(stt_audio_ms), 0),
  coalesce(sum(tts_characters), 0)
FROM analytics_turns GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;

INSERT INTO analytics_tool_days
SELECT space_id, (start_ms / 86400000) * 86400000, agent_id, channel, phone_number, name, count(*),
  count(*) FILTER (WHERE is_error)
FROM analytics_tool_calls GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO analytics_latency_days
SELECT space_id, day_ms, agent_id, channel, phone_number, name, ms, sum(eou), sum(stt), sum(llm_ttft),
  sum(llm_total), sum(tts_ttfb), sum(response), sum(interrupted_after), sum(tool)
FROM (
  SELECT t.space_id, (t.start_ms / 86400000) * 86400000 AS day_ms, t.agent_id, t.channel, t.phone_number,
    '' AS name, floor(v.value + 0.5)::integer AS ms,
    (v.stage = 1)::int AS eou, (v.stage = 2)::int AS stt, (v.stage = 3)::int AS llm_ttft,
    (v.stage = 4)::int AS llm_total, (v.stage = 5)::int AS tts_ttfb, (v.stage = 6)::int AS response,
    (v.stage = 7)::int AS interrupted_after, 0 AS tool
  FROM analytics_turns t, LATERAL (VALUES (1, t.eou_delay_ms), (2, t.stt_duration_ms), (3, t.llm_ttft_ms),
    (4, t.llm_duration_ms), (5, t.tts_ttfb_ms), (6, t.response_latency_ms), (7, t.interrupted_after_ms)) AS v (stage, value)
  WHERE v.value IS NOT NULL
  UNION ALL
  SELECT space_id, (start_ms / 86400000) * 86400000, agent_id, channel, phone_number, name,
    floor(duration_ms + 0.5)::integer, 0, 0, 0, 0, 0, 0, 0, 1
  FROM analytics_tool_calls WHERE duration_ms IS NOT NULL
) x
GROUP BY 1, 2, 3, 4, 5, 6, 7;

INSERT INTO analytics_space_latency_days
SELECT space_id, day_ms, name, ms, sum(eou), sum(stt), sum(llm_ttft), sum(llm_total), sum(tts_ttfb), sum(response),
  sum(interrupted_after), sum(tool)
FROM analytics_latency_days GROUP BY 1, 2, 3, 4;
