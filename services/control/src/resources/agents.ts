import { randomBytes } from 'node:crypto';
import { Agent, AgentInput, ListQuery, pageOf } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { type Request, type Response, Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { recordChange } from '../audit/audit.ts';
import { principalOf } from '../auth/principal.ts';
import { isUuid, requireRole, spaceOf } from '../auth/space-access.ts';
import type { ControlContext } from '../context.ts';
import { parseMergePatch, parseReplacement, parseWrite } from '../http/merge-patch.ts';
import { pageOfRows, pageSql, parseListQuery } from '../http/pagination.ts';
import { inWriteTransaction, isoNow } from '../http/write.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { assertCredentialsFit, assertReferencesInSpace } from './references.ts';
import { assertAgentRunnable } from './runnable-config.ts';

export interface AgentRow {
  id: string;
  space_id: string;
  name: string;
  config: AgentInput;
  publishable_key: string;
  version: string;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

export function toAgent(row: AgentRow): Agent {
  return {
    ...row.config,
    id: row.id,
    spaceId: row.space_id,
    publishableKey: row.publishable_key,
    createdAt: isoNow(row.created_at),
    updatedAt: isoNow(row.updated_at),
  };
}

function newPublishableKey(): string {
  return `pk_${randomBytes(18).toString('base64url')}`;
}

/** The agent's references to other resources of the space, with the field each sits in. */
function referencesOf(agent: AgentInput) {
  return {
    credentials: [
      { path: 'llm.credentialId', id: agent.llm.credentialId, use: agent.llm.provider },
      ...('credentialId' in agent.stt
        ? [{ path: 'stt.credentialId', id: agent.stt.credentialId, use: agent.stt.provider }]
        : []),
      ...('credentialId' in agent.tts
        ? [{ path: 'tts.credentialId', id: agent.tts.credentialId, use: agent.tts.provider }]
        : []),
    ],
    tools: agent.toolIds.map((id, i) => ({ path: `toolIds.${i}`, id })),
  };
}

async function assertAgentReferences(ctx: ControlContext, spaceId: string, agent: AgentInput) {
  assertAgentRunnable(agent);
  const refs = referencesOf(agent);
  await assertCredentialsFit(ctx.pool, spaceId, refs.credentials);
  await assertReferencesInSpace(ctx.pool, spaceId, 'tools', refs.tools);
}

/**
 * The hottest read of the API, answered as the JSON text PostgreSQL builds: the stored configuration
 * is not parsed and serialised again on the way out. Same representation as `toAgent`.
 */
async function findAgentJson(db: Pick<pg.Pool, 'query'>, spaceId: string, id: string): Promise<string | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query<{ body: string }>({
    name: 'find-agent-json',
    text: `SELECT (config || jsonb_build_object(
              'id', id, 'spaceId', space_id, 'publishableKey', publishable_key,
              'createdAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
              'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))::text AS body
           FROM agents WHERE space_id = $1 AND id = $2`,
    values: [spaceId, id],
  });
  return rows[0]?.body;
}

export async function findAgent(db: Pick<pg.Pool, 'query'>, spaceId: string, id: string, lock = false) {
  if (!isUuid(id)) return undefined;
  // Named, so each connection plans it once: this is the hottest read of the API.
  const { rows } = await db.query<AgentRow>({
    name: lock ? 'find-agent-for-update' : 'find-agent',
    // Explicit columns: a prepared `SELECT *` fails once a migration adds a column under a running instance.
    text: `SELECT id, space_id, name, config, publishable_key, version, created_at, updated_at, created_at::text AS cursor_at
           FROM agents WHERE space_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    values: [spaceId, id],
  });
  return rows[0];
}

/** Voice agents: viewers read, editors write. The publishable key identifies the agent to the widget. */
export const agentRoutes: RouteModule = {
  name: 'agents',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });

    router.get('/agents', async (req, res) => {
      const access = spaceOf(res);
      const query = parseListQuery(req.query, { q: z.string().max(120).optional() });
      const params: unknown[] = [access.spaceId];
      const conditions = ['space_id = $1'];
      if (query.q) {
        params.push(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
        conditions.push(`name ILIKE $${params.length}`);
      }
      const sql = pageSql('agents', '*', conditions, params, query.position, query.limit);
      const { rows } = await ctx.pool.query<AgentRow>(sql.text, sql.values);
      res.json(pageOfRows(rows, query.limit, toAgent));
    });

    router.get('/agents/:agentId', async (req, res) => {
      const body = await findAgentJson(ctx.pool, spaceOf(res).spaceId, req.params.agentId);
      if (!body) throw HttpProblem.notFound(`no agent ${req.params.agentId}`);
      res.type('application/json').send(body);
    });

    router.post('/agents', async (req, res) => {
      const access = requireRole(res, 'editor');
      const input = parseWrite(AgentInput.strict(), req.body);
      await assertAgentReferences(ctx, access.spaceId, input);
      const id = crypto.randomUUID();
      const row = await inWriteTransaction(ctx, async (client) => {
        const { rows } = await client.query<AgentRow>(
          `INSERT INTO agents (id, space_id, name, config, publishable_key) VALUES ($1, $2, $3, $4, $5)
           RETURNING *, created_at::text AS cursor_at`,
          [id, access.spaceId, input.name, JSON.stringify(input), newPublishableKey()],
        );
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'agent',
          resourceId: id,
          action: 'created',
          after: toAgent(rows[0]!),
        });
        return rows[0]!;
      });
      res.status(201).location(`/api/v1/spaces/${access.spaceId}/agents/${id}`).json(toAgent(row));
    });

    async function update(req: Request, res: Response, merge: boolean) {
      const access = requireRole(res, 'editor');
      const agentId = String(req.params.agentId);
      const current = await findAgent(ctx.pool, access.spaceId, agentId);
      if (!current) throw HttpProblem.notFound(`no agent ${agentId}`);
      const input = merge
        ? parseMergePatch(AgentInput.strict(), current.config, req.body)
        : parseReplacement(AgentInput.strict(), req.body);
      await assertAgentReferences(ctx, access.spaceId, input);
      const row = await inWriteTransaction(ctx, async (client) => {
        const before = await findAgent(client, access.spaceId, agentId, true);
        if (!before) throw HttpProblem.notFound(`no agent ${agentId}`);
        const { rows } = await client.query<AgentRow>(
          `UPDATE agents SET name = $3, config = $4, version = version + 1, updated_at = now()
           WHERE space_id = $1 AND id = $2 RETURNING *, created_at::text AS cursor_at`,
          [access.spaceId, agentId, input.name, JSON.stringify(input)],
        );
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'agent',
          resourceId: agentId,
          action: 'updated',
          before: toAgent(before),
          after: toAgent(rows[0]!),
        });
        return rows[0]!;
      });
      res.json(toAgent(row));
    }
    router.put('/agents/:agentId', (req, res) => update(req, res, false));
    router.patch('/agents/:agentId', (req, res) => update(req, res, true));

    router.delete('/agents/:agentId', async (req, res) => {
      const access = requireRole(res, 'editor');
      await inWriteTransaction(ctx, async (client) => {
        const before = await findAgent(client, access.spaceId, req.params.agentId, true);
        if (!before) throw HttpProblem.notFound(`no agent ${req.params.agentId}`);
        const numbers = await client.query<{ number: string }>('SELECT number FROM phone_numbers WHERE agent_id = $1', [
          before.id,
        ]);
        if (numbers.rows.length > 0) {
          throw HttpProblem.conflict(
            `the agent answers ${numbers.rows.map((r) => r.number).join(', ')}; give those numbers another agent first`,
          );
        }
        await client.query('DELETE FROM agents WHERE id = $1', [before.id]);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'agent',
          resourceId: before.id,
          action: 'deleted',
          before: toAgent(before),
        });
      });
      res.status(204).end();
    });
    return router;
  },
  openapi(doc) {
    const tags = ['agents'];
    const base = '/api/v1/spaces/:spaceId/agents';
    doc.component('Agent', Agent);
    doc.component('AgentInput', AgentInput, 'input');
    doc.add('get', base, {
      operationId: 'listAgents',
      summary: 'Agents of the space; `q` filters by name',
      tags,
      query: ListQuery.extend({ q: z.string().max(120).optional() }),
      responses: { 200: { description: 'A page of agents', schema: pageOf(Agent) } },
    });
    doc.add('post', base, {
      operationId: 'createAgent',
      summary: 'Create an agent (editor)',
      tags,
      body: AgentInput,
      responses: { 201: { description: 'The agent', schema: Agent } },
    });
    doc.add('get', `${base}/:agentId`, {
      operationId: 'getAgent',
      summary: 'One agent with its full configuration',
      tags,
      responses: { 200: { description: 'The agent', schema: Agent } },
    });
    doc.add('put', `${base}/:agentId`, {
      operationId: 'replaceAgent',
      summary: 'Replace an agent’s configuration (editor)',
      tags,
      body: AgentInput,
      responses: { 200: { description: 'The agent', schema: Agent } },
    });
    doc.add('patch', `${base}/:agentId`, {
      operationId: 'updateAgent',
      summary: 'Change the fields sent, as a JSON Merge Patch: nested objects merge, null clears (editor)',
      tags,
      body: AgentInput,
      mergePatch: true,
      responses: { 200: { description: 'The agent', schema: Agent } },
    });
    doc.add('delete', `${base}/:agentId`, {
      operationId: 'deleteAgent',
      summary: 'Delete an agent no number points at (editor)',
      tags,
      responses: { 204: { description: 'Deleted' } },
    });
  },
};
