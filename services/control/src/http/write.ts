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
