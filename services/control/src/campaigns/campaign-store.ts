import {
  type Campaign,
  type CampaignContact,
  type CampaignContactStatus,
  CampaignInput,
  type CampaignProgress,
  type CampaignStatus,
} from '@speaknode/contracts';
import type pg from 'pg';
import { iso, isoNow } from '../http/write.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface CampaignRow {
  id: string;
  space_id: string;
  config: CampaignInput;
  status: CampaignStatus;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  last_dial_at: Date | null;
}

export interface ContactRow {
  id: string;
  campaign_id: string;
  space_id: string;
  line: number;
  number: string;
  variables: Record<string, string>;
  status: CampaignContactStatus;
  attempts: number;
  last_outcome: string | null;
  last_reason: string | null;
  next_attempt_at: Date | null;
  call_id: string | null;
  dial_started_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
  /** The contact's calls, first try first (`campaign_attempts`). */
  call_ids?: string[] | null;
}

export const CONTACT_COLUMNS = `id, campaign_id, space_id, line, number, variables, status, attempts, last_outcome,
  last_reason, next_attempt_at, call_id, dial_started_at, completed_at, updated_at,
  ARRAY(SELECT a.call_id FROM campaign_attempts a JOIN calls ON calls.id = a.call_id
        WHERE a.contact_id = campaign_contacts.id ORDER BY a.attempt) AS call_ids`;

export function emptyProgress(): CampaignProgress {
  return { total: 0, pending: 0, dialling: 0, completed: 0, failed: 0, skipped: 0, cancelled: 0 };
}

/** Contacts per status of each campaign in `ids`. */
export async function progressOf(db: Queryable, ids: string[]): Promise<Map<string, CampaignProgress>> {
  const out = new Map(ids.map((id) => [id, emptyProgress()]));
  if (ids.length === 0) return out;
  const { rows } = await db.query<{ campaign_id: string; status: CampaignContactStatus; n: number }>(
    `SELECT campaign_id, status, count(*)::int AS n FROM campaign_contacts
     WHERE campaign_id = ANY($1::uuid[]) GROUP BY campaign_id, status`,
    [ids],
  );
  for (const row of rows) {
    const progress = out.get(row.campaign_id)!;
    progress[row.status] = row.n;
    progress.total += row.n;
  }
  return out;
}

export function toCampaign(row: CampaignRow, progress: CampaignProgress): Campaign {
  return {
    ...CampaignInput.parse(row.config),
    id: row.id,
    spaceId: row.space_id,
    status: row.status,
    progress,
    createdAt: isoNow(row.created_at),
    updatedAt: isoNow(row.updated_at),
    startedAt: iso(row.started_at),
    completedAt: iso(row.completed_at),
  };
}

export function toContact(row: ContactRow): CampaignContact {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    line: row.line,
    number: row.number,
    variables: row.variables,
    status: row.status,
    attempts: row.attempts,
    lastOutcome: row.last_outcome as CampaignContact['lastOutcome'],
    lastReason: row.last_reason,
    nextAttemptAt: iso(row.next_attempt_at),
    callIds: row.call_ids ?? [],
    updatedAt: isoNow(row.updated_at),
  };
}

/** The campaign `id` of `spaceId`, or undefined (another space's campaign is missing too). */
export async function findCampaign(
  db: Queryable,
  spaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<CampaignRow | undefined> {
  const { rows } = await db.query<CampaignRow>(
    `SELECT * FROM campaigns WHERE space_id = $1 AND id = $2${options.lock ? ' FOR UPDATE' : ''}`,
    [spaceId, id],
  );
  return rows[0];
}
