import { HttpTool, HttpToolInput, ListQuery, pageOf } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { recordChange } from '../audit/audit.ts';
import { principalOf } from '../auth/principal.ts';
import { isUuid, requireRole, spaceOf } from '../auth/space-access.ts';
import { parseMergePatch, parseReplacement, parseWrite } from '../http/merge-patch.ts';
import { pageOfRows, pageSql, parseListQuery } from '../http/pagination.ts';
import { inWriteTransaction, isoNow, uniqueViolation } from '../http/write.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { assertCredentialsFit, bumpAgentsUsing } from './references.ts';
import { assertToolRunnable } from './runnable-config.ts';

interface ToolRow {
  id: string;
  space_id: string;
  name: string;
  config: HttpToolInput;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

export function toTool(row: ToolRow): HttpTool {
  return {
    ...row.config,
    id: row.id,
    spaceId: row.space_id,
    createdAt: isoNow(row.created_at),
    updatedAt: isoNow(row.updated_at),
  };
}

const credentialRefs = (tool: HttpToolInput) =>
  tool.auth.type === 'none'
    ? []
    : [{ path: 'auth.credentialId', id: tool.auth.credentialId, use: 'http-tool' as const }];

/** HTTP tools an agent may call: viewers read, editors write. */
export const toolRoutes: RouteModule = {
  name: 'tools',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });

    async function find(db: Pick<pg.Pool, 'query'>, spaceId: string, id: string, lock = false) {
      if (!isUuid(id)) return undefined;
      const { rows } = await db.query<ToolRow>(
        `SELECT *, created_at::text AS cursor_at FROM tools WHERE space_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
        [spaceId, id],
      );
      return rows[0];
    }

    function conflictOnName(error: unknown, name: string): never {
      if (uniqueViolation(error)) throw HttpProblem.conflict(`a tool named "${name}" already exists in this space`);
      throw error;
    }

    router.get('/tools', async (req, res) => {
      const access = spaceOf(res);
      const query = parseListQuery(req.query, { name: z.string().max(64).optional() });
      const params: unknown[] = [access.spaceId];
      const conditions = ['space_id = $1'];
      if (query.name) {
        params.push(query.name);
        conditions.push(`name = $${params.length}`);
      }
      const sql = pageSql('tools', '*', conditions, params, query.position, query.limit);
      const { rows } = await ctx.pool.query<ToolRow>(sql.text, sql.values);
      res.json(pageOfRows(rows, query.limit, toTool));
    });

    router.get('/tools/:toolId', async (req, res) => {
      const row = await find(ctx.pool, spaceOf(res).spaceId, req.params.toolId);
      if (!row) throw HttpProblem.notFound(`no tool ${req.params.toolId}`);
      res.json(toTool(row));
    });

    router.post('/tools', async (req, res) => {
      const access = requireRole(res, 'editor');
      const input = parseWrite(HttpToolInput.strict(), req.body);
      assertToolRunnable(input);
      await assertCredentialsFit(ctx.pool, access.spaceId, credentialRefs(input));
      const id = crypto.randomUUID();
      const row = await inWriteTransaction(ctx, async (client) => {
        const { rows } = await client.query<ToolRow>(
          'INSERT INTO tools (id, space_id, name, config) VALUES ($1, $2, $3, $4) RETURNING *, created_at::text AS cursor_at',
          [id, access.spaceId, input.name, JSON.stringify(input)],
        );
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'tool',
          resourceId: id,
          action: 'created',
          after: toTool(rows[0]!),
        });
        return rows[0]!;
      }).catch((error) => conflictOnName(error, input.name));
      res.status(201).location(`/api/v1/spaces/${access.spaceId}/tools/${id}`).json(toTool(row));
    });

    async function update(req: import('express').Request, res: import('express').Response, merge: boolean) {
      const access = requireRole(res, 'editor');
      const toolId = String(req.params.toolId);
      const current = await find(ctx.pool, access.spaceId, toolId);
      if (!current) throw HttpProblem.notFound(`no tool ${toolId}`);
      const input = merge
        ? parseMergePatch(HttpToolInput.strict(), current.config, req.body)
        : parseReplacement(HttpToolInput.strict(), req.body);
      assertToolRunnable(input);
      await assertCredentialsFit(ctx.pool, access.spaceId, credentialRefs(input));
      const row = await inWriteTransaction(ctx, async (client) => {
        const before = await find(client, access.spaceId, toolId, true);
        if (!before) throw HttpProblem.notFound(`no tool ${toolId}`);
        const { rows } = await client.query<ToolRow>(
          `UPDATE tools SET name = $3, config = $4, updated_at = now() WHERE space_id = $1 AND id = $2
           RETURNING *, created_at::text AS cursor_at`,
          [access.spaceId, toolId, input.name, JSON.stringify(input)],
        );
        await bumpAgentsUsing(client, access.spaceId, toolId);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'tool',
          resourceId: toolId,
          action: 'updated',
          before: toTool(before),
          after: toTool(rows[0]!),
        });
        return rows[0]!;
      }).catch((error) => conflictOnName(error, input.name));
      res.json(toTool(row));
    }
    router.put('/tools/:toolId', (req, res) => update(req, res, false));
    router.patch('/tools/:toolId', (req, res) => update(req, res, true));

    router.delete('/tools/:toolId', async (req, res) => {
      const access = requireRole(res, 'editor');
      await inWriteTransaction(ctx, async (client) => {
        const before = await find(client, access.spaceId, req.params.toolId, true);
        if (!before) throw HttpProblem.notFound(`no tool ${req.params.toolId}`);
        const users = await client.query<{ name: string }>(
          `SELECT name FROM agents WHERE space_id = $1 AND config->'toolIds' ? $2`,
          [access.spaceId, before.id],
        );
        if (users.rows.length > 0) {
          throw HttpProblem.conflict(
            `the tool is used by agent(s) ${users.rows.map((r) => r.name).join(', ')}; remove it from them first`,
          );
        }
        await client.query('DELETE FROM tools WHERE id = $1', [before.id]);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'tool',
          resourceId: before.id,
          action: 'deleted',
          before: toTool(before),
        });
      });
      res.status(204).end();
    });
    return router;
  },
  openapi(doc) {
    const tags = ['tools'];
    const base = '/api/v1/spaces/:spaceId/tools';
    doc.component('HttpTool', HttpTool);
    doc.component('HttpToolInput', HttpToolInput, 'input');
    doc.add('get', base, {
      operationId: 'listTools',
      summary: 'HTTP tools of the space',
      tags,
      query: ListQuery.extend({ name: z.string().max(64).optional() }),
      responses: { 200: { description: 'A page of tools', schema: pageOf(HttpTool) } },
    });
    doc.add('post', base, {
      operationId: 'createTool',
      summary: 'Create an HTTP tool (editor)',
      tags,
      body: HttpToolInput,
      responses: { 201: { description: 'The tool', schema: HttpTool } },
    });
    doc.add('get', `${base}/:toolId`, {
      operationId: 'getTool',
      summary: 'One tool',
      tags,
      responses: { 200: { description: 'The tool', schema: HttpTool } },
    });
    doc.add('put', `${base}/:toolId`, {
      operationId: 'replaceTool',
      summary: 'Replace a tool’s definition (editor)',
      tags,
      body: HttpToolInput,
      responses: { 200: { description: 'The tool', schema: HttpTool } },
    });
    doc.add('patch', `${base}/:toolId`, {
      operationId: 'updateTool',
      summary: 'Change the fields sent, as a JSON Merge Patch: nested objects merge, null clears (editor)',
      tags,
      body: HttpToolInput,
      mergePatch: true,
      responses: { 200: { description: 'The tool', schema: HttpTool } },
    });
    doc.add('delete', `${base}/:toolId`, {
      operationId: 'deleteTool',
      summary: 'Delete a tool no agent uses (editor)',
      tags,
      responses: { 204: { description: 'Deleted' } },
    });
  },
};
