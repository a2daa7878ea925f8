import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import { type Response, Router } from 'express';
import { z } from 'zod';
import { isUuid, requireRole } from '../auth/space-access.ts';
import { decodeCursor, encodeCursor } from '../http/pagination.ts';
import { iso } from '../http/write.ts';
import type { RouteModule } from '../routes/route-module.ts';
import type { WebhookAttemptRow, WebhookMessageRow } from './webhook-delivery.ts';

const MessagesQuery = z
  .object({
    status: z.enum(['pending', 'delivered', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(512).optional(),
  })
  .strict();

const WebhookMessage = z.object({
  id: z.uuid(),
  webhookId: z.uuid(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  payload: z.unknown(),
});
const WebhookAttempt = z.object({
  attemptedAt: z.string(),
  durationMs: z.number().nullable(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable(),
  outcome: z.enum(['delivered', 'retry', 'failed', 'disabled']),
  nextAttemptAt: z.string().nullable(),
});
const WebhookMessageWithAttempts = WebhookMessage.extend({ attemptLog: z.array(WebhookAttempt) });

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

/** The outbound delivery log of a webhook subscription, with every attempt, and replay (admin). */
export const webhookMessageRoutes: RouteModule = {
  name: 'webhook-messages',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
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
      const rows = await ctx.delivery.listMessages(access.spaceId, webhookId, {
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
      const message = isUuid(messageId) ? await ctx.delivery.getMessage(access.spaceId, messageId) : null;
      if (!message || message.subscription_id !== req.params.webhookId)
        throw HttpProblem.notFound(`no message ${messageId}`);
      res.json({ ...toMessage(message), attemptLog: (await ctx.delivery.listAttempts(message.id)).map(toAttempt) });
    });
    router.post('/webhooks/:webhookId/messages/:messageId/replay', async (req, res) => {
      const access = await subscriptionInSpace(res, String(req.params.webhookId));
      const messageId = String(req.params.messageId);
      const existing = isUuid(messageId) ? await ctx.delivery.getMessage(access.spaceId, messageId) : null;
      if (!existing || existing.subscription_id !== req.params.webhookId)
        throw HttpProblem.notFound(`no message ${messageId}`);
      const { rows } = await ctx.pool.query<{ enabled: boolean }>(
        'SELECT enabled FROM webhook_subscriptions WHERE id = $1',
        [existing.subscription_id],
      );
      if (!rows[0]?.enabled)
        throw HttpProblem.conflict('the webhook is disabled; enable it before replaying its messages');
      const replayed = await ctx.delivery.replay(access.spaceId, messageId);
      res.status(202).json(toMessage(replayed!));
    });
    return router;
  },
  openapi(doc) {
    const tags = ['webhooks'];
    doc.component('WebhookMessage', WebhookMessage);
    doc.component('WebhookAttempt', WebhookAttempt);
    doc.add('get', '/api/v1/spaces/:spaceId/webhooks/:webhookId/messages', {
      operationId: 'listWebhookMessages',
      summary: 'Deliveries to a webhook, newest first (admin)',
      tags,
      query: MessagesQuery,
      responses: {
        200: {
          description: 'A page of messages',
          schema: z.object({ items: z.array(WebhookMessage), nextCursor: z.string().nullable() }),
        },
      },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/webhooks/:webhookId/messages/:messageId', {
      operationId: 'getWebhookMessage',
      summary: 'One delivery with every attempt (admin)',
      tags,
      responses: { 200: { description: 'The message and its attempt log', schema: WebhookMessageWithAttempts } },
    });
    doc.add('post', '/api/v1/spaces/:spaceId/webhooks/:webhookId/messages/:messageId/replay', {
      operationId: 'replayWebhookMessage',
      summary: 'Send a message again from a fresh retry schedule (admin)',
      tags,
      responses: {
        202: { description: 'Queued', schema: WebhookMessage },
        409: { description: 'The webhook is disabled' },
      },
    });
  },
};
