import { HttpProblem } from '@speaknode/runtime/problem';

/** For handlers: refuse a missing body before schema parsing, with what to send. */
export function jsonBodyOf(body: unknown): unknown {
  if (body === undefined) throw HttpProblem.badRequest('a JSON body (Content-Type: application/json) is required');
  return body;
}
