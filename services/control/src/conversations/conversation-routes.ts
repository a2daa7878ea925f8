import { createReadStream } from 'node:fs';
import { Call, CallUsage, TranscriptTurn } from '@speaknode/contracts';
import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import { type Response, Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { isUuid, requireRole, spaceOf } from '../auth/space-access.ts';
import { findCall, toCall } from '../calls/calls.ts';
import type { CallRow } from '../calls-lifecycle/call-records.ts';
import { decodeCursor, encodeCursor } from '../http/pagination.ts';
import { iso } from '../http/write.ts';
import type { WebhookAttemptRow, WebhookMessageRow } from '../outbound-webhooks/webhook-delivery.ts';
import { LocalDirectoryObjectStore, RECORDING_LINK_TTL_SECONDS } from '../recordings/object-store.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { Conversations } from './conversations.ts';

async function callInSpace(pool: pg.Pool, spaceId: string, callId: string): Promise<CallRow> {
  const missing = HttpProblem.notFound(`no call ${callId}`);
  if (!isUuid(callId)) throw missing;
  const { rows } = await pool.query<CallRow>('SELECT * FROM calls WHERE space_id = $1 AND id = $2', [spaceId, callId]);
  if (!rows[0]) throw missing;
  return rows[0];
}

/** The transcript of a call, in order. */
export async function transcriptOf(pool: pg.Pool, callId: string): Promise<TranscriptTurn[]> {
  const { rows } = await pool.query<{ turn: unknown }>(
    'SELECT turn FROM call_transcript_turns WHERE call_id = $1 ORDER BY sequence',
    [callId],
  );
  return rows.map((r) => TranscriptTurn.parse(r.turn));
}

/** What happened to a call (provider and LiveKit events, outages), oldest first. */
export async function callEventsOf(pool: pg.Pool, callId: string) {
  const { rows } = await pool.query<{ at: Date; kind: string; detail: string }>(
    'SELECT at, kind, detail FROM call_events WHERE call_id = $1 ORDER BY id',
    [callId],
  );
  return rows.map((r) => ({ at: iso(r.at), kind: r.kind, detail: r.detail }));
}

const UsageQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

const MessagesQuery = z
  .object({
    status: z.enum(['pending', 'delivered', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(512).optional(),
  })
  .strict();

function toMessage(row: WebhookMessageRow) {
  return {
    id: row.id,
    webhookId: row.subscription_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: iso(row.created_at),
    deliveredAt: iso(row.delivered_at),
    payload: row.payload,
  };
}

function toAttempt(row: WebhookAttemptRow) {
  return {
    attemptedAt: iso(row.attempted_at),
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    error: row.error,
    responseExcerpt: row.response_excerpt,
    outcome: row.outcome,
    nextAttemptAt: iso(row.next_attempt_at),
  };
}

const CallEvent = z.object({ at: z.string(), kind: z.string(), detail: z.string() });

/** A call with what it gathered: `GET /calls/:callId`. */
export const CallDetail = Call.extend({
  transcript: z.array(TranscriptTurn),
  events: z.array(CallEvent),
  usage: CallUsage.nullable(),
});

async function usageOf(pool: pg.Pool, callId: string): Promise<CallUsage | null> {
  const { rows } = await pool.query<{ usage: unknown }>('SELECT usage FROM call_usage WHERE call_id = $1', [callId]);
  return rows[0] ? CallUsage.parse(rows[0].usage) : null;
}

/**
 * `GET /calls/:callId` with the transcript, the call's event log and its usage. Mounted before the
 * calls resource so that it answers this path; the list stays with the calls resource.
 */
export const callDetailRoutes: RouteModule = {
  name: 'call-detail',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    router.get('/calls/:callId', async (req, res) => {
      const row = await findCall(ctx.pool, String(req.params.callId), spaceOf(res).spaceId);
      if (!row) throw HttpProblem.notFound(`no call ${req.params.callId}`);
      const [transcript, events, usage] = await Promise.all([
        transcriptOf(ctx.pool, row.id),
        callEventsOf(ctx.pool, row.id),
        usageOf(ctx.pool, row.id),
      ]);
      res.json({ ...toCall(row), transcript, events, usage });
    });
    return router;
  },
};

/**
 * Reading what conversations left behind: transcripts, the call's event log, recordings (short-lived
 * links), usage per call and per space, and the outbound webhook delivery log with replay.
 */
export const conversationRoutes: RouteModule = {
  name: 'conversations',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });

    router.get('/calls/:callId/transcript', async (req, res) => {
      const call = await callInSpace(ctx.pool, spaceOf(res).spaceId, String(req.params.callId));
      res.json({ callId: call.id, turns: await transcriptOf(ctx.pool, call.id) });
    });

    router.get('/calls/:callId/events', async (req, res) => {
      const call = await callInSpace(ctx.pool, spaceOf(res).spaceId, String(req.params.callId));
      res.json({ callId: call.id, events: await callEventsOf(ctx.pool, call.id) });
    });

    router.get('/calls/:callId/recording', async (req, res) => {
      const call = await callInSpace(ctx.pool, spaceOf(res).spaceId, String(req.params.callId));
      if (!call.recording_key) throw HttpProblem.notFound(`call ${call.id} has no recording`);
      const store = Conversations.of(ctx).objectStore;
      if (store instanceof LocalDirectoryObjectStore && !(await store.exists(call.recording_key))) {
        throw HttpProblem.notFound(`the recording of call ${call.id} is not in the recordings directory`);
      }
      const url = await store.signedUrl(call.recording_key, RECORDING_LINK_TTL_SECONDS);
      res.set('Cache-Control', 'no-store').json({
        callId: call.id,
        url,
        expiresAt: new Date(Date.now() + RECORDING_LINK_TTL_SECONDS * 1000).toISOString(),
      });
    });

    router.get('/calls/:callId/usage', async (req, res) => {
      const call = await callInSpace(ctx.pool, spaceOf(res).spaceId, String(req.params.callId));
      const usage = await ctx.pool.query<{ usage: unknown; reported_at: Date }>(
        'SELECT usage, reported_at FROM call_usage WHERE call_id = $1',
        [call.id],
      );
      const billing = await ctx.pool.query<{
        code: string;
        status: string;
        attempts: number;
        last_error: string | null;
      }>('SELECT code, status, attempts, last_error FROM lago_events WHERE call_id = $1 ORDER BY code', [call.id]);
      res.json({
        callId: call.id,
        usage: usage.rows[0] ? CallUsage.parse(usage.rows[0].usage) : null,
        reportedAt: iso(usage.rows[0]?.reported_at ?? null),
        billing: billing.rows.map((r) => ({
          metric: r.code,
          status: r.status,
          attempts: r.attempts,
          lastError: r.last_error,
        })),
      });
    });

    router.get('/usage', async (req, res) => {
      const { spaceId } = spaceOf(res);
      const query = parseOrProblem(UsageQuery, req.query, 'query string');
      const to = query.to ? new Date(query.to) : new Date();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * 86_400_000);
      if (from > to) throw HttpProblem.badRequest('from must be before to', [{ path: 'from', message: 'is after to' }]);
      const { rows } = await ctx.pool.query<{ agent_id: string; calls: number; usage: Record<string, number> }>(
        `SELECT agent_id, count(*)::int AS calls, jsonb_build_object(
           'callSeconds', coalesce(sum((usage->>'callSeconds')::double precision), 0),
           'sttSeconds', coalesce(sum((usage->>'sttSeconds')::double precision), 0),
           'ttsCharacters', coalesce(sum((usage->>'ttsCharacters')::bigint), 0),
           'llmPromptTokens', coalesce(sum((usage->>'llmPromptTokens')::bigint), 0),
           'llmCompletionTokens', coalesce(sum((usage->>'llmCompletionTokens')::bigint), 0),
           'toolCalls', coalesce(sum((usage->>'toolCalls')::bigint), 0)) AS usage
         FROM call_usage WHERE space_id = $1 AND reported_at >= $2 AND reported_at < $3
         GROUP BY agent_id ORDER BY agent_id`,
        [spaceId, from, to],
      );
      const byAgent = rows.map((r) => ({
        agentId: r.agent_id,
        calls: r.calls,
        usage: CallUsage.parse(numbers(r.usage)),
      }));
      const totals = CallUsage.parse({});
      for (const agent of byAgent) {
        for (const key of Object.keys(totals) as (keyof CallUsage)[]) totals[key] += agent.usage[key];
      }
      const billing = await ctx.pool.query<{ status: string; n: number; last_error: string | null }>(
        `SELECT status, count(*)::int AS n, max(last_error) AS last_error FROM lago_events
         WHERE space_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY status`,
        [spaceId, from, to],
      );
      const pending = billing.rows.find((r) => r.status === 'pending');
      res.json({
        from: from.toISOString(),
        to: to.toISOString(),
        calls: byAgent.reduce((n, a) => n + a.calls, 0),
        totals,
        byAgent,
        billing: {
          lagoConfigured: Conversations.of(ctx).metering !== null,
          sent: billing.rows.find((r) => r.status === 'sent')?.n ?? 0,
          pending: pending?.n ?? 0,
          lastError: pending?.last_error ?? null,
        },
      });
    });

    async function subscriptionInSpace(res: Response, webhookId: string) {
      const access = requireRole(res, 'admin');
      const missing = HttpProblem.notFound(`no webhook ${webhookId}`);
      if (!isUuid(webhookId)) throw missing;
      const { rows } = await ctx.pool.query('SELECT id FROM webhook_subscriptions WHERE space_id = $1 AND id = $2', [
        access.spaceId,
        webhookId,
      ]);
      if (!rows[0]) throw missing;
      return access;
    }

    router.get('/webhooks/:webhookId/messages', async (req, res) => {
      const webhookId = String(req.params.webhookId);
      const access = await subscriptionInSpace(res, webhookId);
      const query = parseOrProblem(MessagesQuery, req.query, 'query string');
      const position = query.cursor ? decodeCursor(query.cursor) : undefined;
      const rows = await Conversations.of(ctx).delivery.listMessages(access.spaceId, webhookId, {
        limit: query.limit + 1,
        ...(query.status ? { status: query.status } : {}),
        ...(position ? { before: { createdAt: new Date(position.at), id: position.id } } : {}),
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      res.json({
        items: page.map(toMessage),
        nextCursor:
          rows.length > query.limit && last ? encodeCursor({ at: last.created_at.toISOString(), id: last.id }) : null,
      });
    });

    router.get('/webhooks/:webhookId/messages/:messageId', async (req, res) => {
      const access = await subscriptionInSpace(res, String(req.params.webhookId));
      const messageId = String(req.params.messageId);
      const delivery = Conversations.of(ctx).delivery;
      const message = isUuid(messageId) ? await delivery.getMessage(access.spaceId, messageId) : null;
      if (!message || message.subscription_id !== req.params.webhookId)
        throw HttpProblem.notFound(`no message ${messageId}`);
      res.json({ ...toMessage(message), attemptLog: (await delivery.listAttempts(message.id)).map(toAttempt) });
    });

    router.post('/webhooks/:webhookId/messages/:messageId/replay', async (req, res) => {
      const access = await subscriptionInSpace(res, String(req.params.webhookId));
      const messageId = String(req.params.messageId);
      const delivery = Conversations.of(ctx).delivery;
      const existing = isUuid(messageId) ? await delivery.getMessage(access.spaceId, messageId) : null;
      if (!existing || existing.subscription_id !== req.params.webhookId)
        throw HttpProblem.notFound(`no message ${messageId}`);
      const { rows } = await ctx.pool.query<{ enabled: boolean }>(
        'SELECT enabled FROM webhook_subscriptions WHERE id = $1',
        [existing.subscription_id],
      );
      if (!rows[0]?.enabled)
        throw HttpProblem.conflict('the webhook is disabled; enable it before replaying its messages');
      const replayed = await delivery.replay(access.spaceId, messageId);
      res.status(202).json(toMessage(replayed!));
    });

    return router;
  },
  openapi(doc) {
    const tags = ['conversations'];
    // Registered after the calls resource, so the document describes what callDetailRoutes answers.
    doc.add('get', '/api/v1/spaces/:spaceId/calls/:callId', {
      operationId: 'getCall',
      summary: 'One call with its transcript, event log and usage',
      tags: ['calls'],
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
      summary: 'What happened to a call: provider and LiveKit events, outages, failures',
      tags,
      responses: {
        200: { description: 'Events', schema: z.object({ callId: z.string(), events: z.array(CallEvent) }) },
      },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/calls/:callId/recording', {
      operationId: 'getCallRecording',
      summary: 'A short-lived link to the recording of a call',
      tags,
      responses: {
        200: {
          description: 'The link',
          schema: z.object({ callId: z.string(), url: z.string(), expiresAt: z.string() }),
        },
        404: { description: 'The call has no recording' },
      },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/calls/:callId/usage', {
      operationId: 'getCallUsage',
      summary: 'Usage of a call and the state of its billing events',
      tags,
      responses: { 200: { description: 'Usage' } },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/usage', {
      operationId: 'getSpaceUsage',
      summary: 'Usage of the space between from and to (default: the last 30 days), per agent and in total',
      tags,
      query: UsageQuery,
      responses: { 200: { description: 'Usage' } },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/webhooks/:webhookId/messages', {
      operationId: 'listWebhookMessages',
      summary: 'Deliveries to a webhook, newest first (admin)',
      tags: ['webhooks'],
      query: MessagesQuery,
      responses: { 200: { description: 'A page of messages' } },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/webhooks/:webhookId/messages/:messageId', {
      operationId: 'getWebhookMessage',
      summary: 'One delivery with every attempt (admin)',
      tags: ['webhooks'],
      responses: { 200: { description: 'The message and its attempt log' } },
    });
    doc.add('post', '/api/v1/spaces/:spaceId/webhooks/:webhookId/messages/:messageId/replay', {
      operationId: 'replayWebhookMessage',
      summary: 'Send a message again from a fresh retry schedule (admin)',
      tags: ['webhooks'],
      responses: { 202: { description: 'Queued' }, 409: { description: 'The webhook is disabled' } },
    });
  },
};

function numbers(record: Record<string, number | string>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Number(v)]));
}

/** Links minted by the local recordings directory (embedded mode) are served here, checked by signature and expiry. */
export const recordingFileRoutes: RouteModule = {
  name: 'recording-files',
  mount: 'public',
  router(ctx) {
    const router = Router();
    router.get('/api/v1/recordings/files/*key', (req, res) => {
      const store = Conversations.of(ctx).objectStore;
      if (!(store instanceof LocalDirectoryObjectStore))
        throw HttpProblem.notFound('recordings are served by the object store');
      const key = ([] as string[]).concat((req.params as { key: string | string[] }).key).join('/');
      const verdict = store.verifyLink(key, String(req.query.expires ?? ''), String(req.query.signature ?? ''));
      if (!verdict.ok) throw HttpProblem.forbidden(verdict.reason);
      const stream = createReadStream(verdict.path);
      stream.once('error', () => {
        if (!res.headersSent)
          res
            .status(404)
            .type('application/problem+json')
            .json({ title: 'Not Found', status: 404, detail: 'the recording is gone' });
      });
      stream.once('open', () => {
        res.set({
          'Content-Type': key.endsWith('.ogg') ? 'audio/ogg' : 'application/octet-stream',
          'Cache-Control': 'private, no-store',
        });
        stream.pipe(res);
      });
    });
    return router;
  },
};
