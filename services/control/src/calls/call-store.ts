import { type Call, CallUsage, TranscriptTurn } from '@speaknode/contracts';
import type pg from 'pg';
import { isUuid } from '../auth/space-access.ts';
import { iso, isoNow } from '../http/write.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** The one row type of a call: what the calls table holds. */
export interface CallRow {
  id: string;
  space_id: string;
  agent_id: string;
  channel: Call['channel'];
  transport: Call['transport'];
  status: Call['status'];
  room_name: string;
  direction: Call['direction'];
  provider: Call['provider'];
  provider_call_id: string | null;
  from_number: string | null;
  to_number: string | null;
  created_at: Date;
  started_at: Date | null;
  ended_at: Date | null;
  duration_seconds: number | null;
  end_reason: Call['endReason'];
  failure_reason: string | null;
  recording_key: string | null;
  egress_id: string | null;
  dispatch_id: string | null;
  transcript_announced_at: Date | null;
}

/** Explicit columns: a prepared `SELECT *` breaks once a migration adds a column under a running instance. */
export const CALL_COLUMNS = `id, space_id, agent_id, channel, transport, status, room_name, direction, provider,
  provider_call_id, from_number, to_number, created_at, started_at, ended_at, duration_seconds, end_reason,
  failure_reason, recording_key, egress_id, dispatch_id, transcript_announced_at`;

const E164 = /^\+[1-9]\d{1,14}$/;
/** Providers send numbers as they got them (`+1415…`, `client:alice`, `anonymous`): keep only E.164. */
export function e164OrNull(value: string | undefined | null): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  return E164.test(trimmed) ? trimmed : null;
}

export function toCall(row: CallRow): Call {
  return {
    id: row.id,
    spaceId: row.space_id,
    agentId: row.agent_id,
    channel: row.channel,
    transport: row.transport,
    status: row.status,
    roomName: row.room_name,
    direction: row.direction,
    provider: row.provider,
    providerCallId: row.provider_call_id,
    fromNumber: e164OrNull(row.from_number),
    toNumber: e164OrNull(row.to_number),
    createdAt: isoNow(row.created_at),
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
    durationSeconds: row.duration_seconds,
    endReason: row.end_reason,
    failureReason: row.failure_reason,
    recordingKey: row.recording_key,
  };
}

export function isFinished(call: Pick<CallRow, 'status'>): boolean {
  return call.status === 'ended' || call.status === 'failed';
}

/**
 * The one lookup of a call by id. With `spaceId`, a call of another space is not found, exactly
 * like a missing one; with `agentId` too, a call of another agent is not found either.
 */
export async function findCall(
  db: Queryable,
  callId: string,
  scope: { spaceId?: string; agentId?: string; lock?: boolean } = {},
): Promise<CallRow | undefined> {
  if (!isUuid(callId)) return undefined;
  const values: unknown[] = [callId];
  let where = 'id = $1';
  if (scope.spaceId !== undefined) {
    if (!isUuid(scope.spaceId)) return undefined;
    values.push(scope.spaceId);
    where += ` AND space_id = $${values.length}`;
  }
  if (scope.agentId !== undefined) {
    if (!isUuid(scope.agentId)) return undefined;
    values.push(scope.agentId);
    where += ` AND agent_id = $${values.length}`;
  }
  const { rows } = await db.query<CallRow>(
    `SELECT ${CALL_COLUMNS} FROM calls WHERE ${where}${scope.lock ? ' FOR UPDATE' : ''}`,
    values,
  );
  return rows[0];
}

/** The call a provider knows by `providerCallId` (an outbound call's id is ours, not derived from the provider's). */
export async function findCallByProviderCall(
  db: Queryable,
  provider: NonNullable<Call['provider']>,
  providerCallId: string,
): Promise<CallRow | undefined> {
  const { rows } = await db.query<CallRow>(
    `SELECT ${CALL_COLUMNS} FROM calls WHERE provider = $1 AND provider_call_id = $2`,
    [provider, providerCallId],
  );
  return rows[0];
}

/** The newest call in a LiveKit room (LiveKit webhooks name rooms, not calls). */
export async function findCallByRoom(db: Queryable, roomName: string): Promise<CallRow | undefined> {
  const { rows } = await db.query<CallRow>(
    `SELECT ${CALL_COLUMNS} FROM calls WHERE room_name = $1 ORDER BY created_at DESC LIMIT 1`,
    [roomName],
  );
  return rows[0];
}

export async function findCallByEgress(db: Queryable, egressId: string): Promise<CallRow | undefined> {
  const { rows } = await db.query<CallRow>(`SELECT ${CALL_COLUMNS} FROM calls WHERE egress_id = $1`, [egressId]);
  return rows[0];
}

/** Something an admin should see on the call: an outage, a provider event, a failure. */
export async function noteOnCall(db: Queryable, callId: string, kind: string, detail: string): Promise<void> {
  await db.query('INSERT INTO call_events (call_id, kind, detail) VALUES ($1, $2, $3)', [
    callId,
    kind,
    detail.slice(0, 2000),
  ]);
}

/** The transcript of a call, in order. */
export async function transcriptOf(db: Queryable, callId: string): Promise<TranscriptTurn[]> {
  const { rows } = await db.query<{ turn: unknown }>(
    'SELECT turn FROM call_transcript_turns WHERE call_id = $1 ORDER BY sequence',
    [callId],
  );
  return rows.map((r) => TranscriptTurn.parse(r.turn));
}

/** What happened to a call (status moves, provider and LiveKit events, outages), oldest first. */
export async function callEventsOf(db: Queryable, callId: string) {
  const { rows } = await db.query<{ at: Date; kind: string; detail: string }>(
    'SELECT at, kind, detail FROM call_events WHERE call_id = $1 ORDER BY id',
    [callId],
  );
  return rows.map((r) => ({ at: iso(r.at) as string, kind: r.kind, detail: r.detail }));
}

/** The final usage the agent worker reported, or null before it has. */
export async function usageOf(db: Queryable, callId: string): Promise<CallUsage | null> {
  const { rows } = await db.query<{ usage: unknown }>('SELECT usage FROM call_usage WHERE call_id = $1', [callId]);
  return rows[0] ? CallUsage.parse(rows[0].usage) : null;
}
