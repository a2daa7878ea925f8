import {
  CallEnded,
  type CallEndReason,
  CallStarted,
  type CallStatus,
  CallStatusChanged,
  CallTranscriptReady,
  canMoveCall,
} from '@speaknode/contracts';
import type pg from 'pg';
import { writeOutboxEvent } from '../outbox/outbox.ts';
import { CALL_COLUMNS, type CallRow, e164OrNull, findCall, isFinished, noteOnCall } from './call-store.ts';

export interface CallMove {
  /** Where the call goes; absent for an update of details only (the provider's call id). */
  to?: CallStatus;
  /** When it happened (a provider's or LiveKit's timestamp); now by default. */
  at?: Date;
  endReason?: CallEndReason | null;
  failureReason?: string | null;
  /** The provider's own figure; otherwise from started_at to the end. */
  durationSeconds?: number | null;
  providerCallId?: string | null;
  /**
   * The agent's transcript is complete: the agent worker itself reports the end (it posts every
   * turn before it does). Otherwise the transcript is announced at the end when the agent has
   * already reported its usage, when it does, or by the reconcile loop once it had time to.
   */
  transcriptComplete?: boolean;
}

export type MoveResult =
  | { outcome: 'moved'; call: CallRow; from: CallStatus }
  | { outcome: 'unchanged'; call: CallRow }
  | { outcome: 'refused'; call: CallRow; reason: string }
  | { outcome: 'missing' };

/**
 * THE transition of a call, used by every path that changes one: the agent worker's updates,
 * telephony callbacks, LiveKit webhooks, sessions ended from the console or the widget, and the
 * reconcile loop. Inside the caller's transaction (`client`) it moves the call only forward
 * (`created → ringing → in_progress → ended | failed`), writes `call.status_changed`,
 * `call.started` (in_progress), `call.ended` (ended/failed) to the outbox and a `status` entry to
 * the call's event log, and announces the transcript when it is complete. Repeating the current
 * status changes nothing (`unchanged`); a move backwards or out of an end is `refused`.
 * `scope` limits the call to a space (and agent): another space's call is `missing`.
 */
export async function moveCall(
  client: pg.PoolClient,
  callId: string,
  move: CallMove,
  scope: { spaceId?: string; agentId?: string } = {},
): Promise<MoveResult> {
  const call = await findCall(client, callId, { ...scope, lock: true });
  if (!call) return { outcome: 'missing' };
  const to = move.to;
  if (to === undefined || to === call.status) {
    let current = call;
    if (move.providerCallId && move.providerCallId !== call.provider_call_id) {
      const { rows } = await client.query<CallRow>(
        `UPDATE calls SET provider_call_id = $2 WHERE id = $1 RETURNING ${CALL_COLUMNS}`,
        [callId, move.providerCallId],
      );
      current = rows[0]!;
    }
    if (move.transcriptComplete && isFinished(current)) current = await announceTranscript(client, current);
    return { outcome: 'unchanged', call: current };
  }
  if (!canMoveCall(call.status, to)) {
    return { outcome: 'refused', call, reason: `the call is ${call.status} and cannot move to ${to}` };
  }
  const at = move.at ?? new Date();
  const ending = to === 'ended' || to === 'failed';
  const { rows } = await client.query<CallRow>(
    `UPDATE calls SET status = $2,
       provider_call_id = COALESCE($8, provider_call_id),
       started_at = CASE WHEN $2 = 'in_progress' AND started_at IS NULL THEN $3::timestamptz ELSE started_at END,
       ended_at = CASE WHEN $4 THEN $3::timestamptz ELSE ended_at END,
       duration_seconds = CASE WHEN $4 THEN COALESCE($5::double precision,
         CASE WHEN started_at IS NULL THEN 0 ELSE GREATEST(0, EXTRACT(EPOCH FROM ($3::timestamptz - started_at))) END)
         ELSE duration_seconds END,
       end_reason = CASE WHEN $4 THEN COALESCE($6, end_reason) ELSE end_reason END,
       failure_reason = COALESCE($7, failure_reason)
     WHERE id = $1 RETURNING ${CALL_COLUMNS}`,
    [
      callId,
      to,
      at,
      ending,
      move.durationSeconds ?? null,
      move.endReason ?? null,
      move.failureReason ?? null,
      move.providerCallId ?? null,
    ],
  );
  let moved = rows[0]!;
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
  }
  await noteOnCall(
    client,
    callId,
    'status',
    `${call.status} → ${to}${move.endReason ? ` (${move.endReason})` : ''}${move.failureReason ? `: ${move.failureReason}` : ''}`,
  );
  if (ending && (move.transcriptComplete || (await usageReported(client, callId)))) {
    moved = await announceTranscript(client, moved);
  }
  return { outcome: 'moved', call: moved, from: call.status };
}

/** The agent reports usage as its very last word on a call: after it, no more turns come. */
async function usageReported(client: pg.PoolClient, callId: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM call_usage WHERE call_id = $1', [callId]);
  return rows.length > 0;
}

/**
 * `call.transcript.ready`, once per call, for a call that has finished: with the number of turns
 * it has. `call` must be locked by the caller's transaction.
 */
export async function announceTranscript(client: pg.PoolClient, call: CallRow): Promise<CallRow> {
  if (call.transcript_announced_at || !isFinished(call)) return call;
  const { rows } = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM call_transcript_turns WHERE call_id = $1',
    [call.id],
  );
  await writeOutboxEvent(client, CallTranscriptReady, {
    spaceId: call.space_id,
    subject: call.id,
    data: { callId: call.id, agentId: call.agent_id, channel: call.channel, turns: rows[0]!.n },
  });
  const updated = await client.query<CallRow>(
    `UPDATE calls SET transcript_announced_at = now() WHERE id = $1 RETURNING ${CALL_COLUMNS}`,
    [call.id],
  );
  return updated.rows[0]!;
}

/** Calls that ended more than `graceMs` ago whose agent never said its transcript was complete. */
export async function overdueTranscripts(db: Pick<pg.Pool, 'query'>, graceMs: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM calls WHERE status IN ('ended', 'failed') AND transcript_announced_at IS NULL
     AND ended_at < now() - make_interval(secs => $1::double precision / 1000) ORDER BY ended_at LIMIT 100`,
    [graceMs],
  );
  return rows.map((r) => r.id);
}
