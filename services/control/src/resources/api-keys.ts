import { randomBytes } from 'node:crypto';
import { ApiKey, ApiKeyInput, ListQuery, pageOf, roleAtLeast } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import type pg from 'pg';
import { recordChange } from '../audit/audit.ts';
import { API_KEY_PREFIX, hashApiKey, principalOf } from '../auth/principal.ts';
import { isUuid, requireRole, spaceOf } from '../auth/space-access.ts';
import { parseMergePatch, parseWrite } from '../http/merge-patch.ts';
import { pageOfRows, pageSql, parseListQuery } from '../http/pagination.ts';
import { inWriteTransaction, iso, isoNow } from '../http/write.ts';
import type { RouteModule } from '../routes/route-module.ts';

interface ApiKeyRow {
  id: string;
  space_id: string;
  name: string;
  role: ApiKey['role'];
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  cursor_at: string;
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    spaceId: row.space_id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    createdAt: isoNow(row.created_at),
    lastUsedAt: iso(row.last_used_at),
  };
}

export const ApiKeyCreated = ApiKey.extend({
  /** The key itself: shown once, stored only as a hash. Use it as `Authorization: Bearer <key>`. */
  key: ApiKey.shape.prefix,
});

/** Space-scoped API keys (admin). The key is shown once and stored as a SHA-256 hash. */
export const apiKeyRoutes: RouteModule = {
  name: 'api-keys',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });

    async function find(db: Pick<pg.Pool, 'query'>, spaceId: string, id: string, lock = false) {
      if (!isUuid(id)) return undefined;
      const { rows } = await db.query<ApiKeyRow>(
        `SELECT id, space_id, name, role, prefix, created_at, last_used_at, created_at::text AS cursor_at
         FROM api_keys WHERE space_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
        [spaceId, id],
      );
      return rows[0];
    }

    router.get('/api-keys', async (req, res) => {
      const access = spaceOf(res);
      const query = parseListQuery(req.query, {});
      const sql = pageSql(
        'api_keys',
        'id, space_id, name, role, prefix, created_at, last_used_at',
        ['space_id = $1'],
        [access.spaceId],
        query.position,
        query.limit,
      );
      const { rows } = await ctx.pool.query<ApiKeyRow>(sql.text, sql.values);
      res.json(pageOfRows(rows, query.limit, toApiKey));
    });

    router.get('/api-keys/:apiKeyId', async (req, res) => {
      const row = await find(ctx.pool, spaceOf(res).spaceId, req.params.apiKeyId);
      if (!row) throw HttpProblem.notFound(`no API key ${req.params.apiKeyId}`);
      res.json(toApiKey(row));
    });

    router.post('/api-keys', async (req, res) => {
      const access = requireRole(res, 'admin');
      const input = parseWrite(ApiKeyInput.strict(), req.body);
      if (!roleAtLeast(access.role, input.role)) {
        throw HttpProblem.forbidden(
          `you cannot create a key with more rights (${input.role}) than yours (${access.role})`,
        );
      }
      const id = crypto.randomUUID();
      const prefix = `${API_KEY_PREFIX}${randomBytes(6).toString('hex')}`;
      const key = `${prefix}_${randomBytes(24).toString('base64url')}`;
      const row = await inWriteTransaction(ctx, async (client) => {
        const { rows } = await client.query<ApiKeyRow>(
          `INSERT INTO api_keys (id, space_id, name, role, prefix, key_hash) VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING id, space_id, name, role, prefix, created_at, last_used_at, created_at::text AS cursor_at`,
          [id, access.spaceId, input.name, input.role, prefix, hashApiKey(key)],
        );
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'api_key',
          resourceId: id,
          action: 'created',
          after: toApiKey(rows[0]!),
        });
        return rows[0]!;
      });
      res
        .status(201)
        .location(`/api/v1/spaces/${access.spaceId}/api-keys/${id}`)
        .json({ ...toApiKey(row), key });
    });

    router.patch('/api-keys/:apiKeyId', async (req, res) => {
      const access = requireRole(res, 'admin');
      const row = await inWriteTransaction(ctx, async (client) => {
        const before = await find(client, access.spaceId, req.params.apiKeyId, true);
        if (!before) throw HttpProblem.notFound(`no API key ${req.params.apiKeyId}`);
        const input = parseMergePatch(ApiKeyInput.strict(), { name: before.name, role: before.role }, req.body, {
          readOnly: ['prefix', 'lastUsedAt'],
        });
        if (!roleAtLeast(access.role, input.role)) {
          throw HttpProblem.forbidden(`you cannot give a key more rights (${input.role}) than yours (${access.role})`);
        }
        const { rows } = await client.query<ApiKeyRow>(
          `UPDATE api_keys SET name = $3, role = $4 WHERE space_id = $1 AND id = $2
           RETURNING id, space_id, name, role, prefix, created_at, last_used_at, created_at::text AS cursor_at`,
          [access.spaceId, before.id, input.name, input.role],
        );
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'api_key',
          resourceId: before.id,
          action: 'updated',
          before: toApiKey(before),
          after: toApiKey(rows[0]!),
        });
        return rows[0]!;
      });
      res.json(toApiKey(row));
    });

    router.delete('/api-keys/:apiKeyId', async (req, res) => {
      const access = requireRole(res, 'admin');
      await inWriteTransaction(ctx, async (client) => {
        const before = await find(client, access.spaceId, req.params.apiKeyId, true);
        if (!before) throw HttpProblem.notFound(`no API key ${req.params.apiKeyId}`);
        await client.query('DELETE FROM api_keys WHERE id = $1', [before.id]);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'api_key',
          resourceId: before.id,
          action: 'deleted',
          before: toApiKey(before),
        });
      });
      res.status(204).end();
    });
    return router;
  },
  openapi(doc) {
    const tags = ['api-keys'];
    const base = '/api/v1/spaces/:spaceId/api-keys';
    doc.component('ApiKey', ApiKey);
    doc.component('ApiKeyCreated', ApiKeyCreated);
    doc.add('get', base, {
      operationId: 'listApiKeys',
      summary: 'API keys of the space (never the keys themselves)',
      tags,
      query: ListQuery,
      responses: { 200: { description: 'A page of API keys', schema: pageOf(ApiKey) } },
    });
    doc.add('post', base, {
      operationId: 'createApiKey',
      summary: 'Create an API key with a role; the key is returned once (admin)',
      tags,
      body: ApiKeyInput,
      responses: { 201: { description: 'The key', schema: ApiKeyCreated } },
    });
    doc.add('get', `${base}/:apiKeyId`, {
      operationId: 'getApiKey',
      summary: 'One API key’s metadata',
      tags,
      responses: { 200: { description: 'The API key', schema: ApiKey } },
    });
    doc.add('patch', `${base}/:apiKeyId`, {
      operationId: 'updateApiKey',
      summary: 'Rename a key or change its role (at most yours), as a JSON Merge Patch (admin)',
      tags,
      body: ApiKeyInput,
      mergePatch: true,
      responses: { 200: { description: 'The API key', schema: ApiKey } },
    });
    doc.add('delete', `${base}/:apiKeyId`, {
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key (admin)',
      tags,
      responses: { 204: { description: 'Revoked' } },
    });
  },
};
