import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { z } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

/** An RFC 9457 problem: thrown anywhere in a request, answered as `application/problem+json`. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: { errors?: FieldError[]; type?: string; headers?: Record<string, string> } & Record<
      string,
      unknown
    > = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }

  static badRequest(detail: string, errors?: FieldError[]) {
    return new HttpProblem(400, 'Bad Request', detail, errors ? { errors } : {});
  }
  static unauthorized(detail = 'a valid bearer token is required') {
    return new HttpProblem(401, 'Unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
  static forbidden(detail = 'your role does not allow this') {
    return new HttpProblem(403, 'Forbidden', detail);
  }
  static notFound(detail = 'no such resource') {
    return new HttpProblem(404, 'Not Found', detail);
  }
  static conflict(detail: string) {
    return new HttpProblem(409, 'Conflict', detail);
  }
  static tooManyRequests(retryAfterSeconds: number) {
    return new HttpProblem(429, 'Too Many Requests', `try again in ${retryAfterSeconds} s`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
  static unavailable(detail: string, retryAfterSeconds?: number) {
    return new HttpProblem(
      503,
      'Service Unavailable',
      detail,
      retryAfterSeconds ? { headers: { 'Retry-After': String(retryAfterSeconds) } } : {},
    );
  }
}

/** Parses `value` with `schema` or throws a 400 problem listing every failing field path. */
export function parseOrProblem<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  throw HttpProblem.badRequest(
    `the ${what} is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    errors,
  );
}

export function sendProblem(res: Response, problem: HttpProblem): void {
  const { headers, type, ...extra } = problem.extra;
  if (headers) res.set(headers);
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: type ?? 'about:blank',
        title: problem.title,
        status: problem.status,
        ...(problem.detail ? { detail: problem.detail } : {}),
        ...extra,
      }),
    );
}

/** Unknown routes answer a 404 problem rather than Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, HttpProblem.notFound(`no route for ${req.method} ${req.path}`));
};

/**
 * The last middleware of every service: HttpProblem as is; body-parser's malformed JSON (400) and
 * oversized bodies (413) with a clear detail; anything else a 500 that leaks nothing.
 */
export function problemErrorHandler(
  log: (message: string, error: unknown) => void = console.error,
): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof HttpProblem) return sendProblem(res, error);
    const parserError = error as { type?: string; status?: number; limit?: number };
    if (parserError.type === 'entity.parse.failed') {
      return sendProblem(res, HttpProblem.badRequest('the request body is not valid JSON'));
    }
    if (parserError.type === 'entity.too.large') {
      return sendProblem(
        res,
        new HttpProblem(413, 'Content Too Large', `the request body is over the ${parserError.limit} byte limit`),
      );
    }
    if (parserError.type === 'encoding.unsupported' || parserError.type === 'charset.unsupported') {
      return sendProblem(res, new HttpProblem(415, 'Unsupported Media Type', String((error as Error).message)));
    }
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      return sendProblem(res, new HttpProblem(parserError.status, 'Bad Request', String((error as Error).message)));
    }
    log('unhandled error', error);
    sendProblem(
      res,
      new HttpProblem(500, 'Internal Server Error', 'something went wrong on our side; it has been logged'),
    );
  };
}
