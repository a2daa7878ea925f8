import { AgentInput, PublicAgent, SessionGrant } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { type Request, type Response, Router } from 'express';
import { principalOf } from '../auth/principal.ts';
import { isUuid, requireRole } from '../auth/space-access.ts';
import type { ControlContext, RateLimit } from '../context.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { createSessionCall, randomIdentity } from './session-calls.ts';

/** `POST /agents/:agentId/test-sessions`: the console's Testing page talks to an agent (editor or above). */
export const testSessionRoutes: RouteModule = {
  name: 'test-sessions',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    router.post('/agents/:agentId/test-sessions', async (req, res) => {
      const access = requireRole(res, 'editor');
      const agentId = String(req.params.agentId);
      const missing = HttpProblem.notFound(`no agent ${agentId}`);
      if (!isUuid(agentId)) throw missing;
      const { rows } = await ctx.pool.query('SELECT id FROM agents WHERE space_id = $1 AND id = $2', [
        access.spaceId,
        agentId,
      ]);
      if (!rows[0]) throw missing;
      const principal = principalOf(res);
      const grant = await createSessionCall(ctx, {
        spaceId: access.spaceId,
        agentId,
        channel: 'test',
        identity: randomIdentity('tester'),
        name: principal.label,
      });
      res.status(201).json(grant);
    });
    return router;
  },
  openapi(doc) {
    doc.add('post', '/api/v1/spaces/:spaceId/agents/:agentId/test-sessions', {
      operationId: 'createTestSession',
      summary: 'Start a test conversation with an agent: a call record and a LiveKit token for its room',
      tags: ['conversations'],
      responses: {
        201: { description: 'Join `serverUrl` with `token` (livekit-client)', schema: SessionGrant },
        503: { description: 'LiveKit is not configured' },
      },
    });
  },
};

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
 * The widget's public endpoints, keyed by the agent's publishable key: what to render, and a session
 * for a visitor. Origins are checked against the agent's allow-list; session creation is limited
 * per client IP and per agent in the key-value store (Redis in the stack).
 */
export const widgetRoutes: RouteModule = {
  name: 'widget',
  mount: 'public',
  router(ctx) {
    const router = Router();

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

    router.options('/api/v1/public/agents/:publishableKey/sessions', async (req, res) => {
      const agent = await findWidgetAgent(ctx, String(req.params.publishableKey));
      checkOrigin(req, res, agent, true);
      res
        .set({
          'Access-Control-Allow-Methods': 'POST',
          'Access-Control-Allow-Headers': 'content-type',
          'Access-Control-Max-Age': '600',
        })
        .status(204)
        .end();
    });

    router.post('/api/v1/public/agents/:publishableKey/sessions', async (req, res) => {
      const { perIp, perAgent } = ctx.settings;
      // Per IP first: a flood from one client is turned away before it costs a database query.
      await enforce(ctx, `widget:ip:${req.ip}`, perIp, 'too many sessions from your address');
      const agent = await findWidgetAgent(ctx, String(req.params.publishableKey));
      checkOrigin(req, res, agent, true);
      if (!agent.config.widget.voiceEnabled && !agent.config.widget.textEnabled) {
        throw HttpProblem.forbidden('the widget is turned off for this agent');
      }
      await enforce(ctx, `widget:agent:${agent.id}`, perAgent, 'too many sessions for this agent');
      const grant = await createSessionCall(ctx, {
        spaceId: agent.space_id,
        agentId: agent.id,
        channel: 'widget',
        identity: randomIdentity('visitor'),
      });
      res.status(201).set('Cache-Control', 'no-store').json(grant);
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
    doc.add('post', '/api/v1/public/agents/:publishableKey/sessions', {
      operationId: 'createWidgetSession',
      summary: 'A conversation for a widget visitor: call record and LiveKit token',
      tags: ['widget'],
      secured: false,
      responses: {
        201: { description: 'Join `serverUrl` with `token`', schema: SessionGrant },
        403: { description: 'Origin missing or not allowed, or the widget is off' },
        404: { description: 'No agent has this key' },
        429: { description: 'Rate limited; see Retry-After' },
        503: { description: 'LiveKit is not configured' },
      },
    });
  },
};
