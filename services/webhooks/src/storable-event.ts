import { EventEnvelope, summarizeIssues } from '@speaknode/contracts';
import { sha256Hex } from './stable-ids.ts';

/** The bus would refuse this event (bad envelope, or text PostgreSQL and JSON consumers cannot store). */
export class UnstorableEventError extends Error {
  constructor(readonly reason: string) {
    super(`the event cannot be stored on the bus: ${reason}`);
    this.name = 'UnstorableEventError';
  }
}

const MAX_ID_CHARS = 200;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The event as the bus will take it: an id or subject over the envelope's 200 characters is
 * replaced by a hash of itself (deterministic, so a retry still carries the same id and key).
 * What cannot be normalised without changing what the sender said — a NUL or a lone UTF-16
 * surrogate anywhere in the event (PostgreSQL's jsonb refuses both), or any other envelope
 * violation — throws UnstorableEventError: the sender gets 400, never a 2xx for an event the bus
 * would refuse.
 */
export function storableEvent(event: EventEnvelope): EventEnvelope {
  const normalised = {
    ...event,
    id: boundedId(event.id),
    ...(event.subject === undefined ? {} : { subject: boundedId(event.subject) }),
  };
  const reason = whyUnstorable(normalised);
  if (reason) throw new UnstorableEventError(reason);
  return normalised;
}

/** Why the bus would refuse `event`, or undefined when it would take it. */
export function whyUnstorable(event: unknown): string | undefined {
  const envelope = EventEnvelope.safeParse(event);
  if (!envelope.success) return `the envelope is not valid: ${summarizeIssues(envelope.error)}`;
  return badText(event, '', 0);
}

function boundedId(value: string): string {
  return value.length > MAX_ID_CHARS ? `h${sha256Hex(value).slice(0, 32)}` : value;
}

/** Walks the JSON value; depth is bounded by the parsers upstream, and by this guard. */
function badText(value: unknown, path: string, depth: number): string | undefined {
  if (depth > 256) return `${path || '(root)'} is nested more than 256 levels deep`;
  if (typeof value === 'string') return textProblem(value, path);
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, child] of entries) {
    const childPath = path ? `${path}.${key}` : key;
    const inKey = Array.isArray(value) ? undefined : textProblem(key, `the name of ${childPath}`);
    if (inKey) return inKey;
    const inValue = badText(child, childPath, depth + 1);
    if (inValue) return inValue;
  }
  return undefined;
}

function textProblem(text: string, where: string): string | undefined {
  if (text.includes('\u0000')) return `${shortPath(where)} contains a NUL character`;
  if (LONE_SURROGATE.test(text)) return `${shortPath(where)} contains a lone UTF-16 surrogate (not valid Unicode text)`;
  return undefined;
}

function shortPath(path: string): string {
  return (path || '(root)').slice(0, 120);
}
