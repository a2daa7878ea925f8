import type pg from 'pg';
import { iso } from '../http/write.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface DoNotCallRow {
  space_id: string;
  number: string;
  reason: string | null;
  created_at: Date;
}

export function toDoNotCallEntry(row: DoNotCallRow) {
  return { spaceId: row.space_id, number: row.number, reason: row.reason, createdAt: iso(row.created_at) as string };
}

/** Whether the space must never call `e164` (outbound calls refuse it; campaigns skip it). */
export async function isOnDoNotCallList(db: Queryable, spaceId: string, e164: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM do_not_call WHERE space_id = $1 AND number = $2', [spaceId, e164]);
  return rows.length > 0;
}
