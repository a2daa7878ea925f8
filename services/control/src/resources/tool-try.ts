import { HttpToolInput, ToolTryInput, ToolTryResult, type WorkerToolRun } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { isUuid, requireRole } from '../auth/space-access.ts';
import { parseWrite } from '../http/merge-patch.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { AgentWorkerError } from '../sessions/agent-worker-client.ts';
import { resolveCredential } from './credentials.ts';

/**
 * `POST /tools/:toolId/try` (editor: a run may change things in the tool's system): the console's
 * Try it. The saved tool runs once on the agent worker, through the executor conversations use,
 * with its credential and the space's tool host allow-list (contracts' tool-try.ts). Another
 * space's tool is a 404; the address policy refuses private addresses as in a call.
 */
export const toolTryRoutes: RouteModule = {
  name: 'tool-try',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    router.post('/tools/:toolId/try', async (req, res) => {
      const access = requireRole(res, 'editor');
      const toolId = String(req.params.toolId);
      const input = parseWrite(ToolTryInput, req.body ?? {});
      const { rows } = isUuid(toolId)
        ? await ctx.pool.query<{ id: string; config: HttpToolInput; tool_host_allow_list: string[] }>(
            `SELECT t.id, t.config, s.tool_host_allow_list FROM tools t JOIN spaces s ON s.id = t.space_id
              WHERE t.space_id = $1 AND t.id = $2`,
            [access.spaceId, toolId],
          )
        : { rows: [] };
      const row = rows[0];
      if (!row) throw HttpProblem.notFound(`no tool ${toolId}`);
      const tool = HttpToolInput.parse(row.config);
      const credentials: WorkerToolRun['credentials'] = {};
      if (tool.auth.type !== 'none') {
        // Only a credential of the tool's own space, whatever the configuration says.
        const credential = await resolveCredential(ctx, ctx.pool, access.spaceId, tool.auth.credentialId);
        if (credential) {
          credentials[credential.id] = {
            kind: credential.kind,
            secret: credential.secret,
            settings: credential.settings,
          };
        }
      }
      let result: ToolTryResult;
      try {
        result = await ctx.textSessions.agentWorker.runTool({
          tool: { ...tool, id: row.id },
          arguments: input.arguments,
          credentials,
          toolHostAllowList: row.tool_host_allow_list,
        });
      } catch (error) {
        if (error instanceof AgentWorkerError) {
          throw HttpProblem.unavailable(`the tool could not be tried: ${error.message}`);
        }
        throw error;
      }
      res.json(result);
    });
    return router;
  },
  openapi(doc) {
    doc.component('ToolTryInput', ToolTryInput, 'input');
    doc.component('ToolTryResult', ToolTryResult);
    doc.add('post', '/api/v1/spaces/:spaceId/tools/:toolId/try', {
      operationId: 'tryTool',
      summary:
        'Run the saved tool once with sample arguments, through the agent worker’s executor (editor); shows the request and the answer, secrets redacted',
      tags: ['tools'],
      body: ToolTryInput,
      responses: {
        200: {
          description: 'What was sent and what came back (a failure of the tool is an answer too: `error`)',
          schema: ToolTryResult,
        },
        503: { description: 'The agent worker is not configured or cannot be reached' },
      },
    });
  },
};
