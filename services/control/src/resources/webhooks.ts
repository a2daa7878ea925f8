import { randomBytes } from 'node:crypto';
import {
  ListQuery,
  pageOf,
  WebhookSubscription,
  WebhookSubscriptionCreated,
  WebhookSubscriptionInput,
} from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { recordChange } from '../audit/audit.ts';
import { principalOf } from '../auth/principal.ts';
import { isUuid, requireRole, spaceOf } from '../auth/space-access.ts';
import { parseMergePatch, parseWrite } from '../http/merge-patch.ts';
import { pageOfRows, pageSql, parseListQuery } from '../http/pagination.ts';
import { inWriteTransaction, isoNow } from '../http/write.ts';
import { assertWebhookEndpoint, WebhookEndpointRefused } from '../outbound-webhooks/endpoint-policy.ts';
import type { RouteModule } from '../routes/route-module.ts';

interface WebhookRow {
  id: string;
  space_id: string;
  url: string;
  description: string;
  event_types: WebhookSubscription['eventTypes'];
  enabled: boolean;
  secret_ciphertext: string;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

function toWebhook(row: WebhookRow): WebhookSubscription {
  return {
    id: row.id,
    spaceId: row.space_id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    createdAt: isoNow(row.created_at),
    updatedAt: isoNow(row.updated_at),
  };
}

/** Where the signing secret of a subscription is sealed; outbound delivery decrypts with the same context. */
export const webhookSecretContext = (spaceId: string, id: string) => `webhook:${spaceId}:${id}`;

/** The writable fields of a stored subscription: what a PATCH merges into. */
const writableWebhook = (row: WebhookRow): WebhookSubscriptionInput => ({
  url: row.url,
  description: row.description,
  eventTypes: row.event_types,
  enabled: row.enabled,
});

/** 422 naming `url` when the space may not deliver there (see outbound-webhooks/endpoint-policy.ts). */
async function assertDeliverable(db: Pick<pg.Pool, 'query'>, spaceId: string, url: string): Promise<void> {
  const { rows } = await db.query<{ webhook_host_allow_list: string[] }>(
    'SELECT webhook_host_allow_list FROM spaces WHERE id = $1',
    [spaceId],
  );
  try {
    await assertWebhookEndpoint(url, rows[0]?.webhook_host_allow_list ?? []);
  } catch (error) {
    if (!(error instanceof WebhookEndpointRefused)) throw error;
    throw new HttpProblem(422, 'Unprocessable Content', `the webhook url is not allowed: ${error.message}`, {
      errors: [{ path: 'url', message: error.message }],
    });
  }
}

/** Outbound webhook subscriptions (admin). The Standard Webhooks secret is shown once, at creation. */
export const webhookRoutes: RouteModule = {
  name: 'webhooks',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });

    async function find(db: Pick<pg.Pool, 'query'>, spaceId: string, id: string, lock = false) {
      if (!isUuid(id)) return undefined;
      const { rows } = await db.query<WebhookRow>(
        `SELECT *, created_at::text AS cursor_at FROM webhook_subscriptions WHERE space_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
        [spaceId, id],
      );
      return rows[0];
    }

    router.get('/webhooks', async (req, res) => {
      const access = spaceOf(res);
      const query = parseListQuery(req.query, { enabled: z.enum(['true', 'false']).optional() });
      const params: unknown[] = [access.spaceId];
      const conditions = ['space_id = $1'];
      if (query.enabled) {
        params.push(query.enabled === 'true');
        conditions.push(`enabled = $${params.length}`);
      }
      const sql = pageSql('webhook_subscriptions', '*', conditions, params, query.position, query.limit);
      const { rows } = await ctx.pool.query<WebhookRow>(sql.text, sql.values);
      res.json(pageOfRows(rows, query.limit, toWebhook));
    });

    router.get('/webhooks/:webhookId', async (req, res) => {
      const access = spaceOf(res);
      const row = await find(ctx.pool, access.spaceId, req.params.webhookId);
      if (!row) throw HttpProblem.notFound(`no webhook subscription ${req.params.webhookId}`);
      res.json(toWebhook(row));
    });

    router.post('/webhooks', async (req, res) => {
      const access = requireRole(res, 'admin');
      const input = parseWrite(WebhookSubscriptionInput.strict(), req.body);
      await assertDeliverable(ctx.pool, access.spaceId, input.url);
      const id = crypto.randomUUID();
      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      const row = await inWriteTransaction(ctx, async (client) => {
        const { rows } = await client.query<WebhookRow>(
          `INSERT INTO webhook_subscriptions (id, space_id, url, description, event_types, enabled, secret_ciphertext)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *, created_at::text AS cursor_at`,
          [
            id,
            access.spaceId,
            input.url,
            input.description,
            JSON.stringify(input.eventTypes),
            input.enabled,
            ctx.cipher.encrypt(secret, webhookSecretContext(access.spaceId, id)),
          ],
        );
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'webhook',
          resourceId: id,
          action: 'created',
          after: toWebhook(rows[0]!),
        });
        return rows[0]!;
      });
      res
        .status(201)
        .location(`/api/v1/spaces/${access.spaceId}/webhooks/${id}`)
        .json({ ...toWebhook(row), secret });
    });

    router.patch('/webhooks/:webhookId', async (req, res) => {
      const access = requireRole(res, 'admin');
      const row = await inWriteTransaction(ctx, async (client) => {
        const before = await find(client, access.spaceId, req.params.webhookId, true);
        if (!before) throw HttpProblem.notFound(`no webhook subscription ${req.params.webhookId}`);
        const input = parseMergePatch(WebhookSubscriptionInput.strict(), writableWebhook(before), req.body, {
          readOnly: ['disabledReason'],
        });
        if (input.url !== before.url) await assertDeliverable(client, access.spaceId, input.url);
        const enabled = input.enabled;
        const { rows } = await client.query<WebhookRow>(
          `UPDATE webhook_subscriptions SET url = $3, description = $4, event_types = $5, enabled = $6,
             disabled_reason = $7, updated_at = now()
           WHERE space_id = $1 AND id = $2 RETURNING *, created_at::text AS cursor_at`,
          [
            access.spaceId,
            before.id,
            input.url,
            input.description,
            JSON.stringify(input.eventTypes),
            enabled,
            enabled ? null : before.enabled ? 'disabled by an admin' : before.disabled_reason,
          ],
        );
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'webhook',
          resourceId: before.id,
          action: 'updated',
          before: toWebhook(before),
          after: toWebhook(rows[0]!),
        });
        return rows[0]!;
      });
      res.json(toWebhook(row));
    });

    router.delete('/webhooks/:webhookId', async (req, res) => {
      const access = requireRole(res, 'admin');
      await inWriteTransaction(ctx, async (client) => {
        const before = await find(client, access.spaceId, req.params.webhookId, true);
        if (!before) throw HttpProblem.notFound(`no webhook subscription ${req.params.webhookId}`);
        await client.query('DELETE FROM webhook_subscriptions WHERE id = $1', [before.id]);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'webhook',
          resourceId: before.id,
          action: 'deleted',
          before: toWebhook(before),
        });
      });
      res.status(204).end();
    });
    return router;
  },
  openapi(doc) {
    const tags = ['webhooks'];
    const base = '/api/v1/spaces/:spaceId/webhooks';
    doc.component('WebhookSubscription', WebhookSubscription);
    doc.component('WebhookSubscriptionCreated', WebhookSubscriptionCreated);
    doc.component('WebhookSubscriptionInput', WebhookSubscriptionInput, 'input');
    doc.add('get', base, {
      operationId: 'listWebhooks',
      summary: 'Outbound webhook subscriptions (never their secrets)',
      tags,
      query: ListQuery.extend({ enabled: z.enum(['true', 'false']).optional() }),
      responses: { 200: { description: 'A page of subscriptions', schema: pageOf(WebhookSubscription) } },
    });
    doc.add('post', base, {
      operationId: 'createWebhook',
      summary: 'Subscribe an endpoint; the signing secret is returned once (admin)',
      tags,
      body: WebhookSubscriptionInput,
      responses: { 201: { description: 'The subscription and its secret', schema: WebhookSubscriptionCreated } },
    });
    doc.add('get', `${base}/:webhookId`, {
      operationId: 'getWebhook',
      summary: 'One subscription',
      tags,
      responses: { 200: { description: 'The subscription', schema: WebhookSubscription } },
    });
    doc.add('patch', `${base}/:webhookId`, {
      operationId: 'updateWebhook',
      summary: 'Change, enable or disable a subscription, as a JSON Merge Patch (admin)',
      tags,
      body: WebhookSubscriptionInput,
      mergePatch: true,
      responses: { 200: { description: 'The subscription', schema: WebhookSubscription } },
    });
    doc.add('delete', `${base}/:webhookId`, {
      operationId: 'deleteWebhook',
      summary: 'Delete a subscription (admin)',
      tags,
      responses: { 204: { description: 'Deleted' } },
    });
  },
};
