/**
 * Server-Sent Events answers for Express. The stream opens with the first event, so a request that
 * is refused before anything was produced (an `HttpProblem` thrown by `produce`) still answers with
 * its own status as problem+json; a failure after the stream opened becomes one last `error` event
 * (`{problem: {type, title, status, detail}}`), and the stream ends.
 */
import type { Response } from 'express';
import { HttpProblem } from '../problem.ts';

export interface StreamedEvent {
  event: string;
  data: unknown;
}

/** One event in the SSE wire format: `event:` the name, `data:` the JSON of its data. */
export function formatEvent(event: StreamedEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

export function problemEvent(problem: HttpProblem): StreamedEvent {
  return {
    event: 'error',
    data: {
      problem: {
        type: problem.extra.type ?? 'about:blank',
        title: problem.title,
        status: problem.status,
        ...(problem.detail ? { detail: problem.detail } : {}),
      },
    },
  };
}

export async function respondWithEventStream<E extends StreamedEvent>(
  res: Response,
  produce: (emit: (event: E) => void) => Promise<void>,
): Promise<void> {
  let open = false;
  const write = (event: StreamedEvent) => {
    if (!open) {
      open = true;
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        // Proxies (nginx) must pass each event on at once.
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
    }
    // A client that went away gets nothing more; the work it asked for still finishes.
    if (!res.destroyed && !res.writableEnded) res.write(formatEvent(event));
  };
  try {
    await produce(write);
  } catch (error) {
    if (!open) throw error;
    write(
      problemEvent(
        error instanceof HttpProblem ? error : HttpProblem.unavailable(`the reply failed: ${(error as Error).message}`),
      ),
    );
  }
  if (!res.writableEnded) res.end();
}
