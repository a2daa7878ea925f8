import {
  type CallChannel,
  CallEnded,
  type CallEndReason,
  CallStarted,
  type CallStatus,
  CallStatusChanged,
  CallTranscriptReady,
  canMoveCall,
  type TelephonyProvider,
} from '@speaknode/contracts';
import type pg from 'pg';
import { writeOutboxEvent } from '../outbox/outbox.ts';

export interface CallRow {
  id: string;
  space_id: string;
  agent_id: string;
  channel: CallChannel;
  status: CallStatus;
  room_name: string;
  provider: TelephonyProvider | null;
  provider_call_id: string | null;
  from_number: string | null;
  to_number: string | null;
  created_at: Date;
  started_at: Date | null;
  ended_at: Date | null;
  duration_seconds: number | null;
  end_reason: CallEndReason | null;
  failure_reason: string | null;
  recording_key: string | null;
  egress_id: string | null;
  dispatch_id: string | null;
}

const E164 = /^\+[1-9]\d{1,14}$/;
/** Providers send numbers as they got them (`+1415…`, `client:alice`, `anonymous`): keep only E.164. */
export function e164OrNull(value: string | undefined | null): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  return E164.test(trimmed) ? trimmed : null;
}

export interface NewCall {
  id: string;
  spaceId: string;
  agentId: string;
  channel: CallChannel;
  status: CallStatus;
  roomName: string;
  provider?: TelephonyProvider | null;
  providerCallId?: string | null;
  fromNumber?: string | null;
  toNumber?: string | null;
}

/** Inserts the call unless it exists (same id); returns the row and whether it was new. */
export async function insertCall(
  db: pg.Pool | pg.PoolClient,
  call: NewCall,
): Promise<{ row: CallRow; created: boolean }> {
  const inserted = await db.query<CallRow>(
    `INSERT INTO calls (id, space_id, agent_id, channel, status, room_name, provider, provider_call_id, from_number, to_number)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT DO NOTHING RETURNING *`,
    [
      call.id,
      call.spaceId,
      call.agentId,
      call.channel,
      call.status,
      call.roomName,
      call.provider ?? null,
      call.providerCallId ?? null,
      call.fromNumber ?? null,
      call.toNumber ?? null,
    ],
  );
  if (inserted.rows[0]) return { row: inserted.rows[0], created: true };
  const existing = await db.query<CallRow>('SELECT * FROM calls WHERE id = $1', [call.id]);
  if (!existing.rows[0]) throw new Error(`call ${call.id} conflicts with another call of the same provider id`);
  return { row: existing.rows[0], created: false };
}

export async function callById(db: pg.Pool | pg.PoolClient, callId: string): Promise<CallRow | null> {
  const { rows } = await db.query<CallRow>('SELECT * FROM calls WHERE id = $1', [callId]);
  return rows[0] ?? null;
}

export async function callByRoom(db: pg.Pool | pg.PoolClient, roomName: string): Promise<CallRow | null> {
  const { rows } = await db.query<CallRow>(
    'SELECT * FROM calls WHERE room_name = $1 ORDER BY created_at DESC LIMIT 1',
    [roomName],
  );
  return rows[0] ?? null;
}

/** Something an admin should see on the call: an outage, a provider event, a failure. */
export async function noteOnCall(
  db: pg.Pool | pg.PoolClient,
  callId: string,
  kind: string,
  detail: string,
): Promise<void> {
  await db.query('INSERT INTO call_events (call_id, kind, detail) VALUES ($1, $2, $3)', [
    callId,
    kind,
    detail.slice(0, 2000),
  ]);
}

export interface MoveOptions {
  at?: Date;
  endReason?: CallEndReason | null;
  failureReason?: string | null;
  /** The provider's own figure; otherwise from started_at to the end. */
  durationSeconds?: number | null;
}

/**
 * Moves a call forward (`created → ringing → in_progress → ended | failed`, never back) in one
 * transaction with its outbox events: `call.status_changed` always, `call.started` on
 * in_progress, `call.ended` (and `call.transcript.ready` when there is a transcript) at the end.
 * Returns the new row, or null when the move is not allowed from where the call is (a late or
 * repeated event), so callers can simply try.
 */
export async function moveCall(
  client: pg.PoolClient,
  callId: string,
  to: CallStatus,
  options: MoveOptions = {},
): Promise<CallRow | null> {
  const current = await client.query<CallRow>('SELECT * FROM calls WHERE id = $1 FOR UPDATE', [callId]);
  const call = current.rows[0];
  if (!call || !canMoveCall(call.status, to)) return null;
  const at = options.at ?? new Date();
  const ending = to === 'ended' || to === 'failed';
  const { rows } = await client.query<CallRow>(
    `UPDATE calls SET status = $2,
       started_at = CASE WHEN $2 = 'in_progress' AND started_at IS NULL THEN $3::timestamptz ELSE started_at END,
       ended_at = CASE WHEN $4 THEN $3::timestamptz ELSE ended_at END,
       duration_seconds = CASE WHEN $4 THEN COALESCE($5::double precision,
         CASE WHEN started_at IS NULL THEN 0 ELSE GREATEST(0, EXTRACT(EPOCH FROM ($3::timestamptz - started_at))) END)
         ELSE duration_seconds END,
       end_reason = CASE WHEN $4 THEN COALESCE($6, end_reason) ELSE end_reason END,
       failure_reason = COALESCE($7, failure_reason)
     WHERE id = $1 RETURNING *`,
    [callId, to, at, ending, options.durationSeconds ?? null, options.endReason ?? null, options.failureReason ?? null],
  );
  const moved = rows[0]!;
  const ref = { callId, agentId: moved.agent_id, channel: moved.channel };
  const base = { spaceId: moved.space_id, subject: callId };
  await writeOutboxEvent(client, CallStatusChanged, { ...base, data: { ...ref, from: call.status, to } });
  if (to === 'in_progress') {
    await writeOutboxEvent(client, CallStarted, {
      ...base,
      data: { ...ref, fromNumber: e164OrNull(moved.from_number), toNumber: e164OrNull(moved.to_number) },
    });
  }
  if (ending) {
    await writeOutboxEvent(client, CallEnded, {
      ...base,
      data: {
        ...ref,
        status: to,
        durationSeconds: moved.duration_seconds,
        endReason: moved.end_reason,
        failureReason: moved.failure_reason,
      },
    });
    const turns = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM call_transcript_turns WHERE call_id = $1',
      [callId],
    );
    if (turns.rows[0]!.n > 0) {
      await writeOutboxEvent(client, CallTranscriptReady, { ...base, data: { ...ref, turns: turns.rows[0]!.n } });
    }
  }
  await client.query('INSERT INTO call_events (call_id, kind, detail) VALUES ($1, $2, $3)', [
    callId,
    'status',
    `${call.status} → ${to}${options.endReason ? ` (${options.endReason})` : ''}${options.failureReason ? `: ${options.failureReason}` : ''}`,
  ]);
  return moved;
}
