import type { RequestHandler } from 'express';

/** Every endpoint's body limit. */
export const MAX_BODY_BYTES = 1_048_576;
/** No provider nests its JSON anywhere near this; deeper bodies are refused before any recursive code sees them. */
export const MAX_JSON_DEPTH = 64;

/** A body that cannot become an event: 400 (or 415 for its content type), with a reason the sender can act on. */
export class BadBodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'BadBodyError';
  }
}

/** `application/json` and `application/*+json` (LiveKit's `application/webhook+json`). */
export function isJsonType(contentType: string | undefined): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType ?? '');
}

export function isFormType(contentType: string | undefined): boolean {
  return /^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(contentType ?? '');
}

/** Text an inbound route can carry as an event (JSON, forms, XML, text/*); binary types are refused. */
export function isTextualType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return (
    isJsonType(contentType) ||
    isFormType(contentType) ||
    /^text\/[\w.+-]+\s*(?:;|$)/i.test(contentType) ||
    /^application\/(?:[\w.+-]+\+)?xml\s*(?:;|$)/i.test(contentType)
  );
}

/** The deepest nesting of `[`/`{` in JSON text, counted without parsing (strings skipped), stopping past `limit`. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** JSON.parse with the depth limit first; BadBodyError (400) for JSON that is invalid or too deep. */
export function parseJsonBody(raw: Buffer | string, what: string): unknown {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new BadBodyError(400, `${what} is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadBodyError(400, `${what} is not valid JSON`);
  }
}

/**
 * Refuses a declared Content-Length over the limit with 413 at once, before a byte of the body is
 * read, and closes the connection (the sender need not upload the rest). Bodies without a declared
 * length (chunked) are still cut off by the parsers' own limit.
 */
export function refuseDeclaredOversizedBodies(
  limit: number,
  answer: (path: string) => { type: string; body: string },
): RequestHandler {
  return (req, res, next) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      const { type, body } = answer(req.path);
      res.status(413).set('Connection', 'close').type(type).send(body);
      // What the sender keeps uploading is not read: the socket goes once the answer is out.
      res.on('finish', () => req.socket.destroySoon?.());
      return;
    }
    next();
  };
}
