/**
 * The names of the spans and span attributes the agent worker emits for analytics, defined once:
 * the agent writes them, control's OTLP ingest and the ClickHouse ingestion read them. Times are
 * milliseconds, counts are integers; an attribute the agent could not measure is left out (never 0).
 */

/** Labels the agent puts on every span of a call (and Langfuse's session id, set to the call id). */
export const CallLabelAttributes = {
  callId: 'speaknode.call_id',
  agentId: 'speaknode.agent_id',
  spaceId: 'speaknode.space_id',
  /** Langfuse groups the traces of one session (a call) by this. */
  sessionId: 'session.id',
} as const;

export const AnalyticsSpanNames = {
  /** One agent response: the caller stops speaking → the agent has answered (or was cut off). */
  turn: 'speaknode.turn',
  /** One function tool the model called during a turn. */
  toolCall: 'speaknode.tool_call',
  /** The whole conversation, ended when the session closes: providers and models used. */
  call: 'speaknode.call',
} as const;

export const TurnAttributes = {
  /** 0-based position of the turn in the call. */
  index: 'speaknode.turn.index',
  /** What started the agent's speech: `generate_reply` (an answer), `say` (greeting, goodbye), `tool_response`. */
  source: 'speaknode.turn.source',
  /** End-of-utterance delay: the caller's speech ended (VAD) → the turn was declared over. */
  eouDelayMs: 'speaknode.turn.eou_delay_ms',
  /** STT: the caller's speech ended → the final transcript was there. */
  sttDurationMs: 'speaknode.turn.stt_duration_ms',
  /** Seconds of caller audio the STT received for this turn (billing unit). */
  sttAudioMs: 'speaknode.turn.stt_audio_ms',
  llmTtftMs: 'speaknode.turn.llm_ttft_ms',
  /** LLM request time, first to last token, summed over the turn's requests (tool steps included). */
  llmDurationMs: 'speaknode.turn.llm_duration_ms',
  llmPromptTokens: 'speaknode.turn.llm_prompt_tokens',
  llmCompletionTokens: 'speaknode.turn.llm_completion_tokens',
  ttsTtfbMs: 'speaknode.turn.tts_ttfb_ms',
  ttsCharacters: 'speaknode.turn.tts_characters',
  /** What the caller feels: the caller stopped speaking → the first agent audio played. */
  responseLatencyMs: 'speaknode.turn.response_latency_ms',
  /** The caller cut the agent off. */
  interrupted: 'speaknode.turn.interrupted',
  /** How far into the agent's speech the interruption came. */
  interruptedAfterMs: 'speaknode.turn.interrupted_after_ms',
  toolCalls: 'speaknode.turn.tool_calls',
  toolErrors: 'speaknode.turn.tool_errors',
} as const;

export const ToolCallAttributes = {
  name: 'speaknode.tool.name',
  durationMs: 'speaknode.tool.duration_ms',
  /** The tool answered with an error the model saw. */
  error: 'speaknode.tool.error',
  /** Index of the turn the call belongs to. */
  turnIndex: 'speaknode.turn.index',
} as const;

/** Providers and models: on the call span, and on each turn span (cost is counted per turn). */
export const ProviderAttributes = {
  llmProvider: 'speaknode.llm.provider',
  llmModel: 'speaknode.llm.model',
  sttProvider: 'speaknode.stt.provider',
  sttModel: 'speaknode.stt.model',
  ttsProvider: 'speaknode.tts.provider',
  ttsModel: 'speaknode.tts.model',
  ttsVoice: 'speaknode.tts.voice',
} as const;

export const CallAttributes = {
  /** `voice` or `text`. */
  mode: 'speaknode.call.mode',
  turns: 'speaknode.call.turns',
} as const;
