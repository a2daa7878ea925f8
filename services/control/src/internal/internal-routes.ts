import {
  type AgentRuntimeConfig,
  E164,
  type HttpToolInput,
  type PhoneNumberLookup,
  type ResolvedCredential,
  TelephonyProvider,
} from '@speaknode/contracts';
import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { z } from 'zod';
import { requireService } from '../auth/principal.ts';
import { isUuid } from '../auth/space-access.ts';
import type { AgentRow } from '../resources/agents.ts';
import { resolveCredential } from '../resources/credentials.ts';
import type { RouteModule } from '../routes/route-module.ts';

const LookupQuery = z.object({ provider: TelephonyProvider, number: E164 }).strict();

/**
 * Control's internal API (services/contracts/src/internal-api.ts) for the other services, behind
 * client-credentials tokens with a service role. A call's endpoints live with the calls
 * (calls/call-internal-routes.ts).
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

    return router;
  },
};
