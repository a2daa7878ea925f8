import { ListQuery } from '@speaknode/contracts';
import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import { z } from 'zod';

/** Lists are ordered newest first; the cursor is the (created_at, id) of the last item, opaque to clients. */
export interface Position {
  at: string;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** PostgreSQL's `timestamptz::text` (what cursors carry) or ISO 8601: `2026-01-02 03:04:05.123456+00`. */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2})(?::?(\d{2}))?)?$/;

/** A timestamp PostgreSQL accepts the same way: a real calendar date and time, years 1 to 9999. */
function isCursorTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return (
    year >= 1 &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    Number(m[9] ?? 0) <= 15 &&
    Number(m[10] ?? 0) < 60
  );
}

/** The position a cursor names; 400 naming `cursor` for anything this API did not issue. */
export function decodeCursor(cursor: string): Position {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [at, id] = decoded as [unknown, unknown];
      if (typeof at === 'string' && typeof id === 'string' && UUID.test(id) && isCursorTimestamp(at)) return { at, id };
    }
  } catch {}
  throw HttpProblem.badRequest('the cursor is not valid; pass back the nextCursor of a previous page', [
    { path: 'cursor', message: 'is not a cursor this API issued' },
  ]);
}

/** The list query (`limit`, `cursor`) plus a resource's filters, validated as 400 problems. */
export function parseListQuery<F extends z.ZodRawShape>(
  query: unknown,
  filters: F,
): z.output<z.ZodObject<F>> & { limit: number; position: Position | undefined } {
  const schema = ListQuery.extend(filters).strict() as unknown as z.ZodType;
  const parsed = parseOrProblem(schema, query, 'query string') as Record<string, unknown> & {
    limit: number;
    cursor?: string;
  };
  return {
    ...(parsed as unknown as z.output<z.ZodObject<F>>),
    limit: parsed.limit,
    position: parsed.cursor ? decodeCursor(parsed.cursor) : undefined,
  };
}

/**
 * Builds `WHERE … AND (created_at, id) < (cursor) ORDER BY created_at DESC, id DESC LIMIT n+1`
 * over `table`, with extra `conditions` (SQL with `$n` placeholders numbered after `params`).
 */
export function pageSql(
  table: string,
  columns: string,
  conditions: string[],
  params: unknown[],
  position: Position | undefined,
  limit: number,
): { text: string; values: unknown[] } {
  const values = [...params];
  const where = [...conditions];
  if (position) {
    values.push(position.at, position.id);
    where.push(`(created_at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  values.push(limit + 1);
  return {
    text: `SELECT ${columns}, created_at::text AS cursor_at FROM ${table}
           ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
    values,
  };
}

/** Cuts the extra row off and makes the next cursor from the last item. */
export function pageOfRows<R extends { cursor_at: string; id: string }, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map(map),
    nextCursor: more && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null,
  };
}

export const uuidFilter = z.uuid({ message: 'must be a UUID' }).optional();
