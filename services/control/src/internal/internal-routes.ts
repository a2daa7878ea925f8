import {
  type AgentRuntimeConfig,
  type CallSummary,
  CallUpdate,
  E164,
  type HttpToolInput,
  type PhoneNumberLookup,
  type ResolvedCredential,
  TelephonyProvider,
} from '@speaknode/contracts';
import { inTransaction } from '@speaknode/runtime/db';
import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { z } from 'zod';
import { jsonBodyOf } from '../app.ts';
import { requireService } from '../auth/principal.ts';
import { isUuid } from '../auth/space-access.ts';
import { applyCallUpdate, CallTransitionError, findCall } from '../calls/calls.ts';
import type { AgentRow } from '../resources/agents.ts';
import { resolveCredential } from '../resources/credentials.ts';
import type { RouteModule } from '../routes/route-module.ts';

const LookupQuery = z.object({ provider: TelephonyProvider, number: E164 }).strict();

/**
 * Control's internal API (services/contracts/src/internal-api.ts) for the other services, behind
 * client-credentials tokens with a service role. Conversations endpoints (participant token,
 * transcript, usage) live in their own module.
 */
export const internalRoutes: RouteModule = {
  name: 'internal',
  mount: 'internal',
  router(ctx) {
    const router = Router();

    router.get('/phone-numbers/lookup', requireService('service:webhooks', 'service:bridge'), async (req, res) => {
      const query = parseOrProblem(LookupQuery, req.query, 'query string');
      const { rows } = await ctx.pool.query<{
        id: string;
        space_id: string;
        agent_id: string;
        provider: PhoneNumberLookup['provider'];
        number: string;
        mode: PhoneNumberLookup['mode'];
        credential_id: string | null;
      }>('SELECT * FROM phone_numbers WHERE provider = $1 AND number = $2', [query.provider, query.number]);
      const row = rows[0];
      if (!row) throw HttpProblem.notFound(`no space has the ${query.provider} number ${query.number}`);
      const credential = row.credential_id
        ? await resolveCredential(ctx, ctx.pool, row.space_id, row.credential_id)
        : undefined;
      const lookup: PhoneNumberLookup = {
        phoneNumberId: row.id,
        spaceId: row.space_id,
        agentId: row.agent_id,
        provider: row.provider,
        number: row.number,
        mode: row.mode,
        accountSecret: credential?.secret ?? null,
        accountSettings: credential?.settings ?? {},
      };
      res.json(lookup);
    });

    router.get('/agents/:agentId/runtime-config', requireService('service:agent'), async (req, res) => {
      const agentId = String(req.params.agentId);
      const missing = HttpProblem.notFound(`no agent ${agentId}`);
      if (!isUuid(agentId)) throw missing;
      const { rows } = await ctx.pool.query<AgentRow & { tool_host_allow_list: string[] }>(
        `SELECT a.*, s.tool_host_allow_list FROM agents a JOIN spaces s ON s.id = a.space_id WHERE a.id = $1`,
        [agentId],
      );
      const agent = rows[0];
      if (!agent) throw missing;
      const tools = agent.config.toolIds.length
        ? (
            await ctx.pool.query<{ id: string; config: HttpToolInput }>(
              'SELECT id, config FROM tools WHERE space_id = $1 AND id = ANY($2::uuid[])',
              [agent.space_id, agent.config.toolIds],
            )
          ).rows
        : [];
      // Only credentials of the agent's own space are resolved, whatever the configuration says.
      const credentialIds = new Set<string>();
      for (const id of [
        agent.config.llm.credentialId,
        'credentialId' in agent.config.stt ? agent.config.stt.credentialId : undefined,
        'credentialId' in agent.config.tts ? agent.config.tts.credentialId : undefined,
        ...tools.map((t) => (t.config.auth.type === 'none' ? undefined : t.config.auth.credentialId)),
      ]) {
        if (id) credentialIds.add(id);
      }
      const credentials: Record<string, ResolvedCredential> = {};
      for (const id of credentialIds) {
        const resolved = await resolveCredential(ctx, ctx.pool, agent.space_id, id);
        if (resolved) credentials[id] = resolved;
      }
      const config: AgentRuntimeConfig = {
        agentId: agent.id,
        spaceId: agent.space_id,
        version: String(agent.version),
        agent: agent.config,
        tools: tools.map((t) => ({ ...t.config, id: t.id })),
        credentials,
        toolHostAllowList: agent.tool_host_allow_list,
      };
      res.set('cache-control', 'no-store').json(config);
    });

    router.get(
      '/calls/:callId',
      requireService('service:webhooks', 'service:bridge', 'service:agent'),
      async (req, res) => {
        const call = await findCall(ctx.pool, String(req.params.callId));
        if (!call) throw HttpProblem.notFound(`no call ${req.params.callId}`);
        const summary: CallSummary = {
          callId: call.id,
          spaceId: call.space_id,
          agentId: call.agent_id,
          channel: call.channel,
          status: call.status,
          roomName: call.room_name,
          fromNumber: call.from_number,
          toNumber: call.to_number,
          provider: call.provider,
        };
        res.json(summary);
      },
    );

    router.post(
      '/calls/:callId/updates',
      requireService('service:webhooks', 'service:bridge', 'service:agent'),
      async (req, res) => {
        const update = parseOrProblem(CallUpdate.strict(), jsonBodyOf(req.body));
        const callId = String(req.params.callId);
        if (!isUuid(callId)) throw HttpProblem.notFound(`no call ${callId}`);
        try {
          const updated = await inTransaction(ctx.pool, (client) => applyCallUpdate(client, callId, update));
          if (!updated) throw HttpProblem.notFound(`no call ${callId}`);
        } catch (error) {
          if (error instanceof CallTransitionError) throw HttpProblem.conflict(error.message);
          throw error;
        }
        ctx.relay.nudge();
        res.status(204).end();
      },
    );
    return router;
  },
};
