/**
 * Text conversations: what clients (the console's Testing page, the widget) exchange with control,
 * and what control exchanges with the agent worker's text-session API. A text conversation is a
 * call like any other (channel `test` or `widget`, transport `text`).
 *
 * Streaming (`Accept: text/event-stream` on a message): Server-Sent Events, each `data:` one JSON
 * object of the event named in `event:` —
 *
 *   event: delta      data: {"text": "…"}                      a piece of the reply, in order
 *   event: tool_call  data: TextToolCall                       a tool the agent ran, after it ran
 *   event: done       data: TextReply                          the whole reply; the stream ends
 *   event: error      data: {"problem": {type, title, status, detail}}   the turn failed; the stream ends
 *
 * Control and the worker speak the same events, so control relays the worker's stream.
 */
import { z } from 'zod';
import { AgentInput } from './domain/agent.ts';
import { CallEndReason, CallUsage, TranscriptTurn } from './domain/call.ts';
import { Id } from './domain/common.ts';
import { HttpToolInput } from './domain/tool.ts';

/** `voice`: a LiveKit room (the default). `text`: messages through control. */
export const SessionMode = z.enum(['voice', 'text']);
export type SessionMode = z.infer<typeof SessionMode>;

/** The body of `POST …/test-sessions` and of the widget's `POST …/sessions` (optional: voice by default). */
export const SessionRequest = z.object({ mode: SessionMode.default('voice') }).strict();
export type SessionRequest = z.infer<typeof SessionRequest>;

export const TEXT_MESSAGE_MAX_CHARS = 8_000;

export const TextMessage = z
  .object({
    text: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(TEXT_MESSAGE_MAX_CHARS, `must be at most ${TEXT_MESSAGE_MAX_CHARS} characters`),
  })
  .strict();
export type TextMessage = z.infer<typeof TextMessage>;

/** A tool the agent ran during the turn: `output` when it worked, `error` when it did not. */
export const TextToolCall = z.object({
  name: z.string(),
  /** The arguments the model passed (parsed JSON when they were JSON). Absent for widget visitors. */
  arguments: z.unknown().optional(),
  output: z.string().optional(),
  error: z.string().optional(),
});
export type TextToolCall = z.infer<typeof TextToolCall>;

/** The answer to one message. `ended`: the conversation is over (the agent ended it, or it failed). */
export const TextReply = z.object({
  reply: z.string(),
  toolCalls: z.array(TextToolCall),
  ended: z.boolean(),
  endReason: CallEndReason.optional(),
});
export type TextReply = z.infer<typeof TextReply>;

export const TextStreamProblem = z.object({
  type: z.string().default('about:blank'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
});

/** The SSE events of a streamed reply, by event name. */
export const TextStreamEvents = {
  delta: z.object({ text: z.string() }),
  tool_call: TextToolCall,
  done: TextReply,
  error: z.object({ problem: TextStreamProblem }),
} as const;
export type TextStreamEventName = keyof typeof TextStreamEvents;
export type TextStreamEvent = {
  [K in TextStreamEventName]: { event: K; data: z.infer<(typeof TextStreamEvents)[K]> };
}[TextStreamEventName];

/** Whether an `Accept` header asks for Server-Sent Events (a streamed reply). */
export function acceptsEventStream(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some((part) => part.trim().split(';')[0]?.trim().toLowerCase() === 'text/event-stream');
}

/** What `POST …/test-sessions {"mode":"text"}` answers. */
export const TextSessionGrant = z.object({
  mode: z.literal('text'),
  callId: Id,
  sessionId: Id,
  /** Where to POST messages (relative to the API's origin). */
  messagesUrl: z.string(),
  /** Ending the session: DELETE this URL. */
  sessionUrl: z.string(),
  /** What the agent said first, if it has a greeting (already in the transcript). */
  greeting: z.string().nullable(),
});
export type TextSessionGrant = z.infer<typeof TextSessionGrant>;

/** What the widget's `POST …/sessions {"mode":"text"}` answers: the token authorises this session only. */
export const WidgetTextSessionGrant = TextSessionGrant.extend({
  /** Send as `Authorization: Bearer <sessionToken>` on the session's messages and its DELETE. */
  sessionToken: z.string(),
});
export type WidgetTextSessionGrant = z.infer<typeof WidgetTextSessionGrant>;

/** What ending a text session answers. */
export const TextSessionEnded = z.object({
  sessionId: Id,
  callId: Id,
  endReason: CallEndReason,
});
export type TextSessionEnded = z.infer<typeof TextSessionEnded>;

// --- The agent worker's text-session API (control is its only caller, with AGENT_API_TOKEN).

export const AgentWorkerPaths = {
  textSessions: '/v1/text-sessions',
  textSession: (id: string) => `/v1/text-sessions/${encodeURIComponent(id)}`,
  textMessages: (id: string) => `/v1/text-sessions/${encodeURIComponent(id)}/messages`,
  /** One run of an HTTP tool (the console's Try it): see tool-try.ts. */
  toolRuns: '/v1/tool-runs',
} as const;

/** A credential control sends with an inline configuration (decrypted; the worker keeps it in memory only). */
export const InlineCredential = z.object({
  kind: z.string().min(1).max(64),
  secret: z.string().min(1).max(16_384),
  settings: z.record(z.string(), z.string()).default({}),
});

/** An agent of control's: its runtime configuration is fetched; the session's call record gets its transcript, status and usage. */
export const WorkerAgentSessionCreate = z
  .object({
    agentId: Id,
    /** The agent must belong to this space (404 otherwise). */
    spaceId: Id,
    /**
     * The call record to post transcript, status and usage to; it is also the session's id. The
     * session starts once: creating it again answers the session that runs (or is starting).
     */
    callId: Id.optional(),
  })
  .strict();

export const WorkerTextSessionCreate = z.union([
  WorkerAgentSessionCreate,
  /** An inline configuration (evaluations): nothing is posted to control. */
  z
    .object({
      agent: AgentInput,
      tools: z
        .array(HttpToolInput.extend({ id: Id.optional() }))
        .max(64)
        .default([]),
      /** Credentials the inline agent and its tools reference, by id. */
      credentials: z.record(z.string().min(1).max(200), InlineCredential).default({}),
      toolHostAllowList: z.array(z.string().min(1).max(255)).max(100).default([]),
      spaceId: Id.optional(),
    })
    .strict(),
]);
export type WorkerTextSessionCreate = z.infer<typeof WorkerTextSessionCreate>;

export const WorkerTextSessionCreated = z.object({ id: Id, agentId: Id, greeting: z.string().nullable() });
export type WorkerTextSessionCreated = z.infer<typeof WorkerTextSessionCreated>;

/**
 * A message control relays. `start` comes while the session's call has not begun: control answers a
 * widget visitor before the worker's session has started, so the first message may reach the worker
 * before control's create does, and then starts the session itself (once, whichever comes first).
 */
export const WorkerTextMessage = TextMessage.extend({
  start: WorkerAgentSessionCreate.omit({ callId: true }).optional(),
}).strict();
export type WorkerTextMessage = z.infer<typeof WorkerTextMessage>;

/** The worker's reply also says why a conversation failed (for control's call record, not for clients). */
export const WorkerTextReply = TextReply.extend({ failureReason: z.string().optional() });
export type WorkerTextReply = z.infer<typeof WorkerTextReply>;

export const WorkerTextSessionEnded = z.object({
  id: Id,
  endReason: CallEndReason,
  usage: CallUsage,
  transcript: z.array(TranscriptTurn),
});
export type WorkerTextSessionEnded = z.infer<typeof WorkerTextSessionEnded>;
