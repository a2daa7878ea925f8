import { TextReply, TextStreamEvents } from '@speaknode/contracts';
import type { OpenApiBuilder, OperationResponse } from '../openapi/builder.ts';

/** The Server-Sent Events of a streamed reply, as the OpenAPI document describes them. */
export const TEXT_STREAM_DESCRIPTION = [
  'With `Accept: text/event-stream` the reply is streamed as Server-Sent Events, each `data:` one JSON object:',
  '`event: delta` — `TextStreamDelta` (`{text}`, a piece of the reply, in order);',
  '`event: tool_call` — `TextToolCall` (`{name, arguments?, output?, error?}`, a tool the agent ran, after it ran);',
  '`event: done` — `TextReply` (the whole reply; the stream ends);',
  '`event: error` — `TextStreamError` (`{problem: {type, title, status, detail}}`; the stream ends).',
  'A message refused before the turn starts (404, 409, 413, 400, 503) answers problem+json as usual.',
].join(' ');

/** Registers the components the text conversation operations refer to. */
export function registerTextComponents(doc: OpenApiBuilder): void {
  doc.component('TextReply', TextReply);
  doc.component('TextToolCall', TextStreamEvents.tool_call);
  doc.component('TextStreamDelta', TextStreamEvents.delta);
  doc.component('TextStreamError', TextStreamEvents.error);
}

/** The answers of `POST …/sessions/{sessionId}/messages`, console and widget alike. */
export const MESSAGE_RESPONSES: Record<number, OperationResponse> = {
  200: {
    description: 'The reply (`ended: true` when the conversation is over)',
    schema: TextReply,
    eventStream: TEXT_STREAM_DESCRIPTION,
  },
  400: { description: 'The message is empty or not text' },
  404: { description: 'No such session (or one of another space, or another session token)' },
  409: { description: 'The session has ended, or its previous message is still being answered' },
  413: { description: 'The message is longer than 8000 characters' },
  503: { description: 'The agent worker is not configured or cannot be reached' },
};
