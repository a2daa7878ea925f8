import { Call, CallChannel, CallStatus, CallUsage, ListQuery, pageOf, TranscriptTurn } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { z } from 'zod';
import { spaceOf } from '../auth/space-access.ts';
import { pageOfRows, pageSql, parseListQuery, uuidFilter } from '../http/pagination.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { CALL_COLUMNS, type CallRow, callEventsOf, findCall, toCall, transcriptOf, usageOf } from './call-store.ts';

const CallFilters = { status: CallStatus.optional(), channel: CallChannel.optional(), agentId: uuidFilter };

const CallEvent = z.object({ at: z.string(), kind: z.string(), detail: z.string() });

/** A call with what it gathered: `GET /calls/:callId`. */
export const CallDetail = Call.extend({
  transcript: z.array(TranscriptTurn),
  events: z.array(CallEvent),
  usage: CallUsage.nullable(),
});

/** The calls of a space (viewer): the list, one call with its transcript, event log and usage, and those parts. */
export const callRoutes: RouteModule = {
  name: 'calls',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    async function callInSpace(spaceId: string, callId: string): Promise<CallRow> {
      const call = await findCall(ctx.pool, callId, { spaceId });
      if (!call) throw HttpProblem.notFound(`no call ${callId}`);
      return call;
    }

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
      const call = await callInSpace(spaceOf(res).spaceId, String(req.params.callId));
      const [transcript, events, usage] = await Promise.all([
        transcriptOf(ctx.pool, call.id),
        callEventsOf(ctx.pool, call.id),
        usageOf(ctx.pool, call.id),
      ]);
      res.json({ ...toCall(call), transcript, events, usage });
    });
    router.get('/calls/:callId/transcript', async (req, res) => {
      const call = await callInSpace(spaceOf(res).spaceId, String(req.params.callId));
      res.json({ callId: call.id, turns: await transcriptOf(ctx.pool, call.id) });
    });
    router.get('/calls/:callId/events', async (req, res) => {
      const call = await callInSpace(spaceOf(res).spaceId, String(req.params.callId));
      res.json({ callId: call.id, events: await callEventsOf(ctx.pool, call.id) });
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
      summary: 'One call with its transcript, event log and usage',
      tags,
      responses: { 200: { description: 'The call', schema: CallDetail } },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/calls/:callId/transcript', {
      operationId: 'getCallTranscript',
      summary: 'The transcript of a call, in order',
      tags,
      responses: {
        200: { description: 'Turns', schema: z.object({ callId: z.string(), turns: z.array(TranscriptTurn) }) },
      },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/calls/:callId/events', {
      operationId: 'getCallEvents',
      summary: 'What happened to a call: status moves, provider and LiveKit events, outages, failures',
      tags,
      responses: {
        200: { description: 'Events', schema: z.object({ callId: z.string(), events: z.array(CallEvent) }) },
      },
    });
  },
};
