import {
  AgentInput,
  PublicAgent,
  SessionGrant,
  SessionRequest,
  TextMessage,
  TextSessionEnded,
  WidgetTextSessionGrant,
} from '@speaknode/contracts';
import { bearerTokenOf } from '@speaknode/runtime/auth';
import { HttpProblem } from '@speaknode/runtime/problem';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { ControlContext, RateLimit } from '../context.ts';
import { parseWrite } from '../http/merge-patch.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { answerMessage } from './message-replies.ts';
import { createSessionCall, randomIdentity } from './session-calls.ts';
import { MESSAGE_RESPONSES, registerTextComponents } from './session-openapi.ts';

const PublishableKey = /^pk_[A-Za-z0-9_-]{16,128}$/;

interface WidgetAgent {
  id: string;
  space_id: string;
  name: string;
  config: AgentInput;
}

/** Agents by publishable key, kept briefly: a widget on a busy page asks for the same agent again and again. */
const AGENT_CACHE_MS = 5_000;
const AGENT_CACHE_MAX = 10_000;
const agentCaches = new WeakMap<ControlContext, Map<string, { agent: WidgetAgent; expiresAt: number }>>();

async function findWidgetAgent(ctx: ControlContext, key: string): Promise<WidgetAgent> {
  const missing = HttpProblem.notFound('no agent has this publishable key');
  if (!PublishableKey.test(key)) throw missing;
  let cache = agentCaches.get(ctx);
  if (!cache) {
    cache = new Map();
    agentCaches.set(ctx, cache);
  }
  const cached = cache.get(key);
  if (cached && cached.expiresAt > Date.now()) return cached.agent;
  const { rows } = await ctx.pool.query<WidgetAgent>(
    'SELECT id, space_id, name, config FROM agents WHERE publishable_key = $1',
    [key],
  );
  if (!rows[0]) throw missing;
  if (cache.size >= AGENT_CACHE_MAX) cache.clear();
  // Settings an admin changes (allowed origins, widget on/off) apply within AGENT_CACHE_MS.
  const agent = { ...rows[0], config: AgentInput.parse(rows[0].config) };
  cache.set(key, { agent, expiresAt: Date.now() + AGENT_CACHE_MS });
  return agent;
}

/** The caller's Origin must be one the agent allows; echoed back for CORS when it is. */
function checkOrigin(req: Request, res: Response, agent: WidgetAgent, required: boolean): void {
  const origin = req.get('origin');
  if (!origin) {
    if (required) throw HttpProblem.forbidden('an Origin header is required: sessions are created from a web page');
    return;
  }
  const allowed = agent.config.widget?.allowedOrigins ?? [];
  if (!allowed.includes(origin)) {
    // Only the agent lookup's refusal is readable by a foreign page (the widget explains it there).
    if (required) res.removeHeader('Access-Control-Allow-Origin');
    throw HttpProblem.forbidden(
      allowed.length === 0
        ? 'this agent allows no web origins yet: add yours to its widget settings'
        : `the origin ${origin} is not allowed for this agent`,
    );
  }
  res.set({ 'Access-Control-Allow-Origin': origin, Vary: 'Origin' });
}

async function enforce(ctx: ControlContext, key: string, limit: RateLimit, what: string): Promise<void> {
  const { count, resetInMs } = await ctx.store.increment(key, limit.windowMs);
  if (count > limit.limit) {
    const problem = HttpProblem.tooManyRequests(Math.max(1, Math.ceil(resetInMs / 1000)));
    throw new HttpProblem(429, problem.title, `${what}: ${problem.detail}`, problem.extra);
  }
}

/**
 * The widget's bodies may come as `text/plain` JSON: a page's POST with only that content type (and
 * `Accept`) is a CORS "simple" request, which the browser sends without a preflight, so a visitor's
 * session and each message cost one round trip instead of two. Handlers check the Origin
 * themselves either way, and nothing here rides on cookies.
 */
const plainTextJson = [
  express.text({ type: 'text/plain', limit: '1mb' }),
  (req: Request, _res: Response, next: NextFunction) => {
    if (typeof req.body !== 'string') return next();
    if (req.body.trim() === '') {
      req.body = undefined;
      return next();
    }
    try {
      req.body = JSON.parse(req.body);
    } catch {
      throw HttpProblem.badRequest('the request body is not valid JSON');
    }
    next();
  },
];

/**
 * The session token of a visitor's request: `Authorization: Bearer st_…`, or `sessionToken` in the
 * body (how the widget sends it, so its message needs no preflight); taken out of the body.
 */
function sessionTokenOf(req: Request): string | undefined {
  const header = bearerTokenOf(req);
  const body = req.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || !('sessionToken' in body)) return header;
  const { sessionToken, ...rest } = body;
  req.body = rest;
  if (header !== undefined) return header;
  return typeof sessionToken === 'string' ? sessionToken : undefined;
}

/** A preflight of a widget endpoint: allowed from the agent's origins only. */
function preflight(methods: string) {
  return (res: Response) =>
    res
      .set({
        'Access-Control-Allow-Methods': methods,
        'Access-Control-Allow-Headers': 'content-type, authorization, accept',
        'Access-Control-Max-Age': '600',
      })
      .status(204)
      .end();
}

/**
 * The widget's public endpoints, keyed by the agent's publishable key: what to render, a session for
 * a visitor (voice: a LiveKit room; text: messages through control, authorised by the session's own
 * token), its messages and its end. Origins are checked against the agent's allow-list; session
 * creation is limited per client IP and per agent in the key-value store (Redis in the stack).
 */
export const widgetRoutes: RouteModule = {
  name: 'widget',
  mount: 'public',
  router(ctx) {
    const router = Router();

    // Refusals are readable by the page, so the widget can say why (unknown key, origin not allowed,
    // retry in N s) instead of seeing a bare network error: answers carry CORS headers for the
    // caller's origin (checkOrigin takes them back from a foreign origin's session requests). A
    // refused preflight still stops the request, no credentials are involved, and a refusal tells
    // the page nothing curl would not.
    router.use('/api/v1/public/agents', (req, res, next) => {
      const origin = req.get('origin');
      if (origin)
        res.set({
          'Access-Control-Allow-Origin': origin,
          'Access-Control-Expose-Headers': 'Retry-After',
          Vary: 'Origin',
        });
      next();
    });
    router.use('/api/v1/public/agents', plainTextJson);

    router.get('/api/v1/public/agents/:publishableKey', async (req, res) => {
      const agent = await findWidgetAgent(ctx, String(req.params.publishableKey));
      checkOrigin(req, res, agent, false);
      const config = agent.config;
      const body: PublicAgent = {
        name: config.name,
        greeting: config.greeting ?? null,
        voiceEnabled: config.widget.voiceEnabled,
        textEnabled: config.widget.textEnabled,
        appearance: config.widget.appearance,
      };
      res.set('Cache-Control', 'public, max-age=30').json(body);
    });

    const sessionsPath = '/api/v1/public/agents/:publishableKey/sessions';
    router.options(sessionsPath, async (req, res) => {
      const agent = await findWidgetAgent(ctx, String(req.params.publishableKey));
      checkOrigin(req, res, agent, true);
      preflight('POST')(res);
    });

    router.post(sessionsPath, async (req, res) => {
      const { perIp, perAgent } = ctx.settings;
      // Per IP first: a flood from one client is turned away before it costs a database query.
      await enforce(ctx, `widget:ip:${req.ip}`, perIp, 'too many sessions from your address');
      const agent = await findWidgetAgent(ctx, String(req.params.publishableKey));
      checkOrigin(req, res, agent, true);
      const { mode } = parseWrite(SessionRequest.strict(), req.body ?? {});
      const widget = agent.config.widget;
      if (!(mode === 'voice' ? widget.voiceEnabled : widget.textEnabled)) {
        throw HttpProblem.forbidden(
          `${mode} conversations are turned off in this agent's widget settings (widget.${mode}Enabled)`,
        );
      }
      await enforce(ctx, `widget:agent:${agent.id}`, perAgent, 'too many sessions for this agent');
      res.status(201).set('Cache-Control', 'no-store');
      if (mode === 'voice') {
        const grant = await createSessionCall(ctx, {
          spaceId: agent.space_id,
          agentId: agent.id,
          channel: 'widget',
          identity: randomIdentity('visitor'),
        });
        res.json({ mode, ...grant });
        return;
      }
      const started = await ctx.textSessions.start({
        spaceId: agent.space_id,
        agentId: agent.id,
        channel: 'widget',
        withToken: true,
        answerBeforeWorker: { greeting: agent.config.greeting ?? null },
      });
      const sessionUrl = `/api/v1/public/agents/${encodeURIComponent(String(req.params.publishableKey))}/sessions/${started.sessionId}`;
      const grant: WidgetTextSessionGrant = {
        mode,
        callId: started.callId,
        sessionId: started.sessionId,
        messagesUrl: `${sessionUrl}/messages`,
        sessionUrl,
        greeting: started.greeting,
        sessionToken: started.sessionToken as string,
      };
      res.json(grant);
    });

    /** The visitor's own text session: the publishable key's agent, the page's origin, the session's token. */
    async function visitorSession(req: Request, res: Response) {
      const agent = await findWidgetAgent(ctx, String(req.params.publishableKey));
      checkOrigin(req, res, agent, true);
      return ctx.textSessions.find(String(req.params.sessionId), { agentId: agent.id, token: sessionTokenOf(req) });
    }

    const sessionPath = `${sessionsPath}/:sessionId`;
    for (const [path, methods] of [
      [sessionPath, 'DELETE'],
      [`${sessionPath}/messages`, 'POST'],
    ] as const) {
      router.options(path, async (req, res) => {
        checkOrigin(req, res, await findWidgetAgent(ctx, String(req.params.publishableKey)), true);
        preflight(methods)(res);
      });
    }
    router.post(`${sessionPath}/messages`, async (req, res) => {
      const open = await visitorSession(req, res);
      await answerMessage(req, res, ctx.textSessions, open, 'visitor');
    });
    router.delete(sessionPath, async (req, res) => {
      const open = await visitorSession(req, res);
      res.set('Cache-Control', 'no-store').json(await ctx.textSessions.end(open));
    });
    return router;
  },
  openapi(doc) {
    doc.add('get', '/api/v1/public/agents/:publishableKey', {
      operationId: 'getPublicAgent',
      summary: 'What the widget needs to render an agent',
      tags: ['widget'],
      secured: false,
      responses: {
        200: {
          description: 'Name, greeting, appearance, modes',
          schema: PublicAgent,
        },
        403: { description: 'The Origin is not allowed' },
        404: { description: 'No agent has this key' },
      },
    });
    registerTextComponents(doc);
    const sessions = '/api/v1/public/agents/:publishableKey/sessions';
    doc.add('post', sessions, {
      operationId: 'createWidgetSession',
      summary:
        'A conversation for a widget visitor: voice (default) gives a call and a LiveKit token; `{"mode":"text"}` a text session and its session token',
      tags: ['widget'],
      secured: false,
      body: SessionRequest,
      bodyRequired: false,
      responses: {
        201: {
          description:
            'Voice: join `serverUrl` with `token`. Text: POST messages to `messagesUrl` with `Authorization: Bearer <sessionToken>`; DELETE `sessionUrl` to end.',
          schema: z.union([SessionGrant.extend({ mode: z.literal('voice') }), WidgetTextSessionGrant]),
        },
        403: { description: 'Origin missing or not allowed, or this mode is turned off in the widget settings' },
        404: { description: 'No agent has this key' },
        429: { description: 'Rate limited; see Retry-After' },
        503: {
          description:
            'Voice: LiveKit is not configured. Text: the agent worker is not configured or cannot be reached',
        },
      },
    });
    doc.add('post', `${sessions}/:sessionId/messages`, {
      operationId: 'sendWidgetSessionMessage',
      summary:
        'A visitor’s message (`Authorization: Bearer <sessionToken>`); the reply as JSON, or streamed as Server-Sent Events with `Accept: text/event-stream`. Tool calls show only their names.',
      tags: ['widget'],
      secured: false,
      body: TextMessage,
      responses: MESSAGE_RESPONSES,
    });
    doc.add('delete', `${sessions}/:sessionId`, {
      operationId: 'endWidgetSession',
      summary: 'The visitor ends the conversation (`Authorization: Bearer <sessionToken>`)',
      tags: ['widget'],
      secured: false,
      responses: {
        200: { description: 'Ended', schema: TextSessionEnded },
        404: { description: 'No such session for this session token' },
        409: { description: 'The session has ended already' },
      },
    });
  },
};
