-- Analytics (issue 20): the facts of the agent's analytics spans on the embedded default (and
-- whenever ClickHouse is not configured). One row per span; (space_id, span_id) makes a re-sent
-- span a no-op. space/call/agent/channel/number come from the call record, never from the span.

CREATE TABLE analytics_turns (
  space_id uuid NOT NULL,
  span_id text NOT NULL,
  trace_id text NOT NULL,
  call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL,
  channel text NOT NULL,
  phone_number text NOT NULL DEFAULT '',
  start_ms bigint NOT NULL,
  turn_index integer,
  source text NOT NULL DEFAULT '',
  eou_delay_ms double precision,
  stt_duration_ms double precision,
  stt_audio_ms double precision,
  llm_ttft_ms double precision,
  llm_duration_ms double precision,
  llm_prompt_tokens bigint,
  llm_completion_tokens bigint,
  tts_ttfb_ms double precision,
  tts_characters bigint,
  response_latency_ms double precision,
  interrupted boolean NOT NULL DEFAULT false,
  interrupted_after_ms double precision,
  tool_calls integer NOT NULL DEFAULT 0,
  tool_errors integer NOT NULL DEFAULT 0,
  llm_provider text NOT NULL DEFAULT '',
  llm_model text NOT NULL DEFAULT '',
  stt_provider text NOT NULL DEFAULT '',
  stt_model text NOT NULL DEFAULT '',
  tts_provider text NOT NULL DEFAULT '',
  tts_model text NOT NULL DEFAULT '',
  PRIMARY KEY (space_id, span_id)
);
CREATE INDEX analytics_turns_range_idx ON analytics_turns (space_id, start_ms);
CREATE INDEX analytics_turns_call_idx ON analytics_turns (call_id, start_ms);

CREATE TABLE analytics_tool_calls (
  space_id uuid NOT NULL,
  span_id text NOT NULL,
  trace_id text NOT NULL,
  call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  agent_id uuid NOT NULL,
  channel text NOT NULL,
  phone_number text NOT NULL DEFAULT '',
  start_ms bigint NOT NULL,
  turn_index integer,
  name text NOT NULL,
  duration_ms double precision,
  is_error boolean NOT NULL DEFAULT false,
  PRIMARY KEY (space_id, span_id)
);
CREATE INDEX analytics_tool_calls_range_idx ON analytics_tool_calls (space_id, start_ms);
CREATE INDEX analytics_tool_calls_call_idx ON analytics_tool_calls (call_id, start_ms);

-- Per call: the providers and models the agent used (the speaknode.call span).
CREATE TABLE analytics_call_telemetry (
  space_id uuid NOT NULL,
  call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  span_id text NOT NULL,
  start_ms bigint NOT NULL,
  mode text NOT NULL DEFAULT '',
  turns integer,
  llm_provider text NOT NULL DEFAULT '',
  llm_model text NOT NULL DEFAULT '',
  stt_provider text NOT NULL DEFAULT '',
  stt_model text NOT NULL DEFAULT '',
  tts_provider text NOT NULL DEFAULT '',
  tts_model text NOT NULL DEFAULT '',
  PRIMARY KEY (space_id, call_id)
);

-- The dashboard's call figures read the calls themselves: ended calls of a space by start time.
CREATE INDEX calls_analytics_idx ON calls (space_id, (coalesce(started_at, created_at)))
  WHERE status IN ('ended', 'failed');
