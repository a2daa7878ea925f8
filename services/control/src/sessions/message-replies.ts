import { acceptsEventStream, TEXT_MESSAGE_MAX_CHARS, TextMessage, type TextStreamEvent } from '@speaknode/contracts';
import { respondWithEventStream } from '@speaknode/runtime/event-stream';
import { HttpProblem } from '@speaknode/runtime/problem';
import type { Request, Response } from 'express';
import { parseWrite } from '../http/merge-patch.ts';
import type { OpenTextSession, ReplyAudience, TextSessions } from './text-sessions.ts';

/** `{"text"}`: empty or not text is 400, longer than a message may be is 413, naming the field. */
export function messageOf(body: unknown): string {
  const text = (body as { text?: unknown } | undefined)?.text;
  if (typeof text === 'string' && text.trim().length > TEXT_MESSAGE_MAX_CHARS) {
    throw new HttpProblem(
      413,
      'Content Too Large',
      `the message has ${text.trim().length} characters; a message may have at most ${TEXT_MESSAGE_MAX_CHARS}`,
      { errors: [{ path: 'text', message: `must be at most ${TEXT_MESSAGE_MAX_CHARS} characters` }] },
    );
  }
  return parseWrite(TextMessage.strict(), body).text;
}

/** Answers a message of a text session: the whole reply as JSON, or Server-Sent Events when the client asks for them. */
export async function answerMessage(
  req: Request,
  res: Response,
  sessions: TextSessions,
  open: OpenTextSession,
  audience: ReplyAudience,
): Promise<void> {
  const text = messageOf(req.body);
  if (!acceptsEventStream(req.get('accept'))) {
    res.set('Cache-Control', 'no-store').json(await sessions.send(open, text, audience));
    return;
  }
  await respondWithEventStream<TextStreamEvent>(res, async (emit) => {
    for await (const event of sessions.stream(open, text, audience)) emit(event);
  });
}
