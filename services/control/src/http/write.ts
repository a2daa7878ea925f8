import { inTransaction } from '@speaknode/runtime/db';
import type pg from 'pg';
import type { ControlContext } from '../context.ts';

/**
 * Runs a change in one transaction (state, audit, outbox together), then wakes the relay.
 * Inside `work`, use only `client`.
 */
export async function inWriteTransaction<T>(
  ctx: Pick<ControlContext, 'pool' | 'relay'>,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const result = await inTransaction(ctx.pool, work);
  ctx.relay.nudge();
  return result;
}

/** A unique-violation (23505) from PostgreSQL, with the constraint that fired. */
export function uniqueViolation(error: unknown): string | undefined {
  const e = error as { code?: string; constraint?: string };
  return e?.code === '23505' ? (e.constraint ?? 'unique') : undefined;
}

export function foreignKeyViolation(error: unknown): string | undefined {
  const e = error as { code?: string; constraint?: string };
  return e?.code === '23503' ? (e.constraint ?? 'foreign key') : undefined;
}

export const iso = (value: Date | string | null): string | null =>
  value === null ? null : (value instanceof Date ? value : new Date(value)).toISOString();

export const isoNow = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();

const READ_ONLY_FIELDS = ['id', 'spaceId', 'createdAt', 'updatedAt', 'publishableKey'];

/**
 * A PUT/PATCH body with the read-only fields of a resource representation removed, so a client can
 * send back what it read; `patch` merges it over `current`. Anything else unknown is still an error.
 */
export function updateBody(body: unknown, current: object | undefined): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const writable = Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter(([key]) => !READ_ONLY_FIELDS.includes(key)),
  );
  return current ? { ...current, ...writable } : writable;
}
