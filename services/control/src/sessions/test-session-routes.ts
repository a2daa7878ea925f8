import { SessionGrant, SessionRequest, TextMessage, TextSessionEnded, TextSessionGrant } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { z } from 'zod';
import { principalOf } from '../auth/principal.ts';
import { isUuid, requireRole } from '../auth/space-access.ts';
import { parseWrite } from '../http/merge-patch.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { answerMessage } from './message-replies.ts';
import { createSessionCall, randomIdentity } from './session-calls.ts';
import { MESSAGE_RESPONSES, registerTextComponents } from './session-openapi.ts';

/**
 * The console's Testing page talks to an agent (editor or above): `POST /agents/:agentId/test-sessions`
 * makes a voice session (a LiveKit room) or, with `{"mode":"text"}`, a text session whose messages
 * go through control.
 */
export const testSessionRoutes: RouteModule = {
  name: 'test-sessions',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    async function agentInSpace(spaceId: string, agentId: string): Promise<void> {
      const missing = HttpProblem.notFound(`no agent ${agentId}`);
      if (!isUuid(agentId)) throw missing;
      const { rows } = await ctx.pool.query('SELECT id FROM agents WHERE space_id = $1 AND id = $2', [
        spaceId,
        agentId,
      ]);
      if (!rows[0]) throw missing;
    }

    router.post('/agents/:agentId/test-sessions', async (req, res) => {
      const access = requireRole(res, 'editor');
      const agentId = String(req.params.agentId);
      await agentInSpace(access.spaceId, agentId);
      const { mode } = parseWrite(SessionRequest.strict(), req.body ?? {});
      if (mode === 'voice') {
        const grant = await createSessionCall(ctx, {
          spaceId: access.spaceId,
          agentId,
          channel: 'test',
          identity: randomIdentity('tester'),
          name: principalOf(res).label,
        });
        res.status(201).json({ mode, ...grant });
        return;
      }
      const started = await ctx.textSessions.start({
        spaceId: access.spaceId,
        agentId,
        channel: 'test',
        withToken: false,
      });
      const sessionUrl = `/api/v1/spaces/${access.spaceId}/agents/${agentId}/test-sessions/${started.sessionId}`;
      const grant: TextSessionGrant = {
        mode,
        callId: started.callId,
        sessionId: started.sessionId,
        messagesUrl: `${sessionUrl}/messages`,
        sessionUrl,
        greeting: started.greeting,
      };
      res.status(201).location(sessionUrl).json(grant);
    });

    router.post('/agents/:agentId/test-sessions/:sessionId/messages', async (req, res) => {
      const access = requireRole(res, 'editor');
      const open = await ctx.textSessions.find(String(req.params.sessionId), {
        agentId: String(req.params.agentId),
        spaceId: access.spaceId,
      });
      await answerMessage(req, res, ctx.textSessions, open, 'console');
    });

    router.delete('/agents/:agentId/test-sessions/:sessionId', async (req, res) => {
      const access = requireRole(res, 'editor');
      const open = await ctx.textSessions.find(String(req.params.sessionId), {
        agentId: String(req.params.agentId),
        spaceId: access.spaceId,
      });
      res.json(await ctx.textSessions.end(open));
    });
    return router;
  },
  openapi(doc) {
    const tags = ['conversations'];
    const base = '/api/v1/spaces/:spaceId/agents/:agentId/test-sessions';
    registerTextComponents(doc);
    doc.add('post', base, {
      operationId: 'createTestSession',
      summary:
        'Start a test conversation with an agent (editor): voice (default) gives a LiveKit room and token; `{"mode":"text"}` a text session whose messages go through control',
      tags,
      body: SessionRequest,
      bodyRequired: false,
      responses: {
        201: {
          description:
            'Voice: join `serverUrl` with `token` (livekit-client). Text: POST messages to `messagesUrl`, DELETE `sessionUrl` to end.',
          schema: z.union([SessionGrant.extend({ mode: z.literal('voice') }), TextSessionGrant]),
        },
        503: {
          description:
            'Voice: LiveKit is not configured. Text: the agent worker is not configured or cannot be reached',
        },
      },
    });
    doc.add('post', `${base}/:sessionId/messages`, {
      operationId: 'sendTestSessionMessage',
      summary:
        'Send a message to a text test session; the reply as JSON, or streamed as Server-Sent Events with `Accept: text/event-stream` (editor)',
      tags,
      body: TextMessage,
      responses: MESSAGE_RESPONSES,
    });
    doc.add('delete', `${base}/:sessionId`, {
      operationId: 'endTestSession',
      summary: 'End a text test session; the call ends with its usage (editor)',
      tags,
      responses: {
        200: { description: 'Ended', schema: TextSessionEnded },
        409: { description: 'The session has ended already' },
      },
    });
  },
};
