import { type FieldError, HttpProblem } from '@speaknode/runtime/problem';
import type { z } from 'zod';

/** PATCH bodies are JSON Merge Patch documents (RFC 7396); plain `application/json` is accepted too. */
export const MERGE_PATCH_MEDIA_TYPE = 'application/merge-patch+json';
export const PATCH_MEDIA_TYPES = [MERGE_PATCH_MEDIA_TYPE, 'application/json'] as const;

type JsonObject = Record<string, unknown>;

/**
 * Parses `value` or throws a 400 listing every failing field; an unknown key is named by its own
 * path (`owner`, `llm.extra`), not as "(root)".
 */
function parseFields<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.flatMap((issue) => {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...at, key].join('.'), message: 'is not a field of this resource' }));
    }
    return [{ path: at.join('.') || '(root)', message: issue.message }];
  });
  throw HttpProblem.badRequest(
    `the request body is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    errors,
  );
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * RFC 7396 §2: an object patch merges key by key (recursively), `null` removes the key, anything
 * else (arrays included) replaces the target's value.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * The paths of `sent` that the parsed `kept` does not have: fields a schema stripped silently
 * (zod strips unknown keys of nested objects). Walks only what was sent, so a stored value the
 * schema no longer knows does not block a patch of something else. A `null` (a removal) is
 * unknown only when neither the stored value nor the result has the field.
 */
function unknownFields(sent: unknown, kept: unknown, stored: unknown, path: string[] = []): string[] {
  if (Array.isArray(sent) && Array.isArray(kept)) {
    return sent.flatMap((item, i) => unknownFields(item, kept[i], undefined, [...path, String(i)]));
  }
  if (!isObject(sent) || !isObject(kept)) return [];
  const storedObject = isObject(stored) ? stored : {};
  return Object.entries(sent).flatMap(([key, value]) => {
    const here = [...path, key];
    if (value === null) return key in kept || key in storedObject ? [] : [here.join('.')];
    if (!(key in kept)) return [here.join('.')];
    return unknownFields(value, kept[key], storedObject[key], here);
  });
}

function refuseUnknown(sent: unknown, kept: unknown, stored: unknown): void {
  const unknown = unknownFields(sent, kept, stored);
  if (unknown.length === 0) return;
  throw HttpProblem.badRequest(
    `the request body has fields this resource does not have: ${unknown.join(', ')}`,
    unknown.map((path) => ({ path, message: 'is not a field of this resource (or of the chosen variant)' })),
  );
}

/** Parses a POST/PUT body; unknown fields are refused at every depth, not stripped. */
export function parseWrite<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined) throw HttpProblem.badRequest('a JSON body (Content-Type: application/json) is required');
  const parsed = parseFields(schema, body);
  refuseUnknown(body, parsed, undefined);
  return parsed;
}

/** Representation fields a client may send back unchanged in a PUT or PATCH; they are never written. */
const READ_ONLY_FIELDS = ['id', 'spaceId', 'createdAt', 'updatedAt', 'publishableKey'];

function withoutReadOnly(body: JsonObject, extra: readonly string[] = []): JsonObject {
  const readOnly = [...READ_ONLY_FIELDS, ...extra];
  return Object.fromEntries(Object.entries(body).filter(([key]) => !readOnly.includes(key)));
}

/** A PUT body: a whole representation, whose read-only fields are ignored, so a client can send back what it read. */
export function parseReplacement<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  return parseWrite(schema, isObject(body) ? withoutReadOnly(body) : body);
}

/**
 * A PATCH: `body` (a merge patch) applied to `current` (the writable fields as stored), and the
 * result validated as a whole by `schema`, so absent fields keep their values, nested objects
 * merge, and `null` clears an optional field (back to its default, if it has one).
 */
export function parseMergePatch<S extends z.ZodType>(
  schema: S,
  current: object,
  body: unknown,
  options: { readOnly?: readonly string[] } = {},
): z.output<S> {
  if (body === undefined) {
    throw HttpProblem.badRequest(`a JSON body (Content-Type: ${MERGE_PATCH_MEDIA_TYPE}) is required`);
  }
  if (!isObject(body)) {
    throw HttpProblem.badRequest('a PATCH body is a JSON object (a JSON Merge Patch, RFC 7396)', [
      { path: '(root)', message: 'must be a JSON object' },
    ]);
  }
  const patch = withoutReadOnly(body, options.readOnly);
  const merged = applyMergePatch(current, patch);
  const parsed = parseFields(schema, merged);
  refuseUnknown(patch, parsed, current);
  return parsed;
}
