import {
  Call,
  CallChannel,
  CallEnded,
  CallStarted,
  CallStatus,
  CallStatusChanged,
  type CallUpdate,
  canMoveCall,
  ListQuery,
  pageOf,
} from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import type pg from 'pg';
import { isUuid, spaceOf } from '../auth/space-access.ts';
import { pageOfRows, pageSql, parseListQuery, uuidFilter } from '../http/pagination.ts';
import { iso, isoNow } from '../http/write.ts';
import { writeOutboxEvent } from '../outbox/outbox.ts';
import type { RouteModule } from '../routes/route-module.ts';

export interface CallRow {
  id: string;
  space_id: string;
  agent_id: string;
  channel: Call['channel'];
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
  cursor_at?: string;
}

export function toCall(row: CallRow): Call {
  return {
    id: row.id,
    spaceId: row.space_id,
    agentId: row.agent_id,
    channel: row.channel,
    status: row.status,
    roomName: row.room_name,
    direction: row.direction,
    provider: row.provider,
    providerCallId: row.provider_call_id,
    fromNumber: row.from_number,
    toNumber: row.to_number,
    createdAt: isoNow(row.created_at),
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
    durationSeconds: row.duration_seconds,
    endReason: row.end_reason,
    failureReason: row.failure_reason,
    recordingKey: row.recording_key,
  };
}

const CALL_COLUMNS = `id, space_id, agent_id, channel, status, room_name, direction, provider, provider_call_id,
  from_number, to_number, created_at, started_at, ended_at, duration_seconds, end_reason, failure_reason, recording_key`;

export async function findCall(db: Pick<pg.Pool, 'query'>, callId: string, spaceId?: string, lock = false) {
  if (!isUuid(callId)) return undefined;
  const { rows } = await db.query<CallRow>(
    `SELECT ${CALL_COLUMNS} FROM calls WHERE id = $1 ${spaceId ? 'AND space_id = $2' : ''}${lock ? ' FOR UPDATE' : ''}`,
    spaceId ? [callId, spaceId] : [callId],
  );
  return rows[0];
}

export class CallTransitionError extends Error {}

/**
 * Applies a status/provider update to a call inside the caller's transaction (`client`), moving
 * only forward (`canMoveCall`) and writing `call.status_changed`, `call.started` and `call.ended`
 * events to the outbox. Repeating the current status is a no-op, so retried updates are harmless.
 * Returns the call after the update, or undefined when there is no such call.
 */
export async function applyCallUpdate(
  client: pg.PoolClient,
  callId: string,
  update: CallUpdate,
): Promise<CallRow | undefined> {
  const call = await findCall(client, callId, undefined, true);
  if (!call) return undefined;
  const to = update.status;
  const moving = to !== undefined && to !== call.status;
  if (moving && !canMoveCall(call.status, to)) {
    throw new CallTransitionError(`the call is ${call.status} and cannot move to ${to}`);
  }
  const { rows } = await client.query<CallRow>(
    `UPDATE calls SET
       status = $2,
       provider_call_id = COALESCE($3, provider_call_id),
       started_at = CASE WHEN $4 AND started_at IS NULL THEN now() ELSE started_at END,
       ended_at = CASE WHEN $5 THEN now() ELSE ended_at END,
       duration_seconds = CASE WHEN $5 THEN EXTRACT(EPOCH FROM now() - COALESCE(started_at, now())) ELSE duration_seconds END,
       end_reason = COALESCE($6, end_reason),
       failure_reason = COALESCE($7, failure_reason)
     WHERE id = $1 RETURNING ${CALL_COLUMNS}`,
    [
      callId,
      moving ? to : call.status,
      update.providerCallId ?? null,
      moving && to === 'in_progress',
      moving && (to === 'ended' || to === 'failed'),
      update.endReason ?? null,
      update.failureReason ?? null,
    ],
  );
  const after = rows[0]!;
  if (moving) {
    const ref = { callId, agentId: call.agent_id, channel: call.channel };
    const common = { spaceId: call.space_id, subject: callId };
    await writeOutboxEvent(client, CallStatusChanged, { ...common, data: { ...ref, from: call.status, to } });
    if (to === 'in_progress') {
      await writeOutboxEvent(client, CallStarted, {
        ...common,
        data: { ...ref, fromNumber: after.from_number, toNumber: after.to_number },
      });
    }
    if (to === 'ended' || to === 'failed') {
      await writeOutboxEvent(client, CallEnded, {
        ...common,
        data: {
          ...ref,
          status: to,
          durationSeconds: after.duration_seconds,
          endReason: after.end_reason,
          failureReason: after.failure_reason,
        },
      });
    }
  }
  return after;
}

const CallFilters = { status: CallStatus.optional(), channel: CallChannel.optional(), agentId: uuidFilter };

/** Calls of a space, newest first (viewer). Creation and lifecycle live in the conversations modules. */
export const callRoutes: RouteModule = {
  name: 'calls',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    router.get('/calls', async (req, res) => {
      const access = spaceOf(res);
      const query = parseListQuery(req.query, CallFilters);
      const params: unknown[] = [access.spaceId];
      const conditions = ['space_id = $1'];
      for (const [column, value] of [
        ['status', query.status],
        ['channel', query.channel],
        ['agent_id', query.agentId],
      ] as const) {
        if (value) {
          params.push(value);
          conditions.push(`${column} = $${params.length}`);
        }
      }
      const sql = pageSql('calls', CALL_COLUMNS, conditions, params, query.position, query.limit);
      const { rows } = await ctx.pool.query<CallRow & { cursor_at: string }>(sql.text, sql.values);
      res.json(pageOfRows(rows, query.limit, toCall));
    });
    router.get('/calls/:callId', async (req, res) => {
      const row = await findCall(ctx.pool, req.params.callId, spaceOf(res).spaceId);
      if (!row) throw HttpProblem.notFound(`no call ${req.params.callId}`);
      res.json(toCall(row));
    });
    return router;
  },
  openapi(doc) {
    const tags = ['calls'];
    doc.component('Call', Call);
    doc.add('get', '/api/v1/spaces/:spaceId/calls', {
      operationId: 'listCalls',
      summary: 'Calls of the space, newest first; filter by status, channel, agent',
      tags,
      query: ListQuery.extend(CallFilters),
      responses: { 200: { description: 'A page of calls', schema: pageOf(Call) } },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/calls/:callId', {
      operationId: 'getCall',
      summary: 'One call',
      tags,
      responses: { 200: { description: 'The call', schema: Call } },
    });
  },
};
