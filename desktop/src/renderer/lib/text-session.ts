/**
 * The Testing page's text conversation through control's text channel: start a test session
 * (`{"mode":"text"}`), send messages with `Accept: text/event-stream` and hand each event (reply
 * pieces, tool calls as they ran, the finished reply) to the page, then end the session.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { ApiProblem, type ControlClient, type Schemas, unwrap } from './api/control-client.ts';

export type TextStreamEvent =
  | { event: 'delta'; data: Schemas['TextStreamDelta'] }
  | { event: 'tool_call'; data: Schemas['TextToolCall'] }
  | { event: 'done'; data: Schemas['TextReply'] }
  | { event: 'error'; data: Schemas['TextStreamError'] };

export interface TextSession {
  sessionId: string;
  callId: string;
}

export async function startTextSession(api: ControlClient, spaceId: string, agentId: string): Promise<TextSession> {
  const session = unwrap(
    await api.POST('/api/v1/spaces/{spaceId}/agents/{agentId}/test-sessions', {
      params: { path: { spaceId, agentId } },
      body: { mode: 'text' },
    }),
  );
  if (session.mode !== 'text') throw new Error('control answered a voice session to a text request');
  return { sessionId: session.sessionId, callId: session.callId };
}

export async function sendTextMessage(
  api: ControlClient,
  ids: { spaceId: string; agentId: string; sessionId: string },
  text: string,
  onEvent: (event: TextStreamEvent) => void,
): Promise<void> {
  const answer = await api.POST('/api/v1/spaces/{spaceId}/agents/{agentId}/test-sessions/{sessionId}/messages', {
    params: { path: ids },
    body: { text },
    headers: { accept: 'text/event-stream' },
    parseAs: 'stream',
  });
  if (!answer.response.ok || !answer.data) {
    const problem = await answer.response.json().catch(() => undefined);
    throw new ApiProblem(
      problem ?? { type: 'about:blank', title: answer.response.statusText, status: answer.response.status },
    );
  }
  const events = (answer.data as ReadableStream<BufferSource>)
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (value.event) onEvent({ event: value.event, data: JSON.parse(value.data) } as TextStreamEvent);
  }
}

export async function endTextSession(
  api: ControlClient,
  ids: { spaceId: string; agentId: string; sessionId: string },
): Promise<void> {
  const answer = await api.DELETE('/api/v1/spaces/{spaceId}/agents/{agentId}/test-sessions/{sessionId}', {
    params: { path: ids },
  });
  if (!answer.response.ok && answer.response.status !== 404) unwrap(answer);
}
