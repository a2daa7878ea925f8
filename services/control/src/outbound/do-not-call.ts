import { iso } from '../http/write.ts';

export interface DoNotCallRow {
  space_id: string;
  number: string;
  reason: string | null;
  created_at: Date;
}

export function toDoNotCallEntry(row: DoNotCallRow) {
  return { spaceId: row.space_id, number: row.number, reason: row.reason, createdAt: iso(row.created_at) as string };
}
