/**
 * The worker's HTTP API: health, readiness and text sessions.
 *
 *   POST   /v1/text-sessions               {agentId, spaceId?, callId?} | {agent, tools?, credentials?, toolHostAllowList?}
 *                                          → 201 {id, agentId, greeting}
 *   POST   /v1/text-sessions/{id}/messages {text} → 200 {reply, toolCalls, ended, endReason?, error?}
 *   DELETE /v1/text-sessions/{id}          → 200 {id, endReason, usage, transcript}
 */
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerTokenOf } from '@speaknode/runtime/auth';
import {
  HttpProblem,
  notFoundHandler,
  parseOrProblem,
  problemErrorHandler,
  sendProblem,
} from '@speaknode/runtime/problem';
import express, { type RequestHandler } from 'express';
import { CreateTextSession, TextMessage, type TextSessionManager } from '../text-sessions/text-session-manager.ts';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
}

export interface AgentHttpServerOptions {
  textSessions: TextSessionManager;
  /** When set, text-session calls must carry `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  readiness: () => ReadinessReport;
  log?: (message: string, error: unknown) => void;
}

function requireApiToken(expected: string | undefined): RequestHandler {
  const expectedBytes = expected ? Buffer.from(expected) : undefined;
  return (req, res, next) => {
    if (!expectedBytes) return next();
    const given = bearerTokenOf(req);
    const givenBytes = given ? Buffer.from(given) : undefined;
    if (!givenBytes || givenBytes.length !== expectedBytes.length || !timingSafeEqual(givenBytes, expectedBytes)) {
      sendProblem(res, HttpProblem.unauthorized('a valid Authorization: Bearer <AGENT_API_TOKEN> header is required'));
      return;
    }
    next();
  };
}

export function createAgentApp(options: AgentHttpServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const report = options.readiness();
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
  });

  const api = express.Router();
  api.use(requireApiToken(options.apiToken));
  api.use(express.json({ limit: '512kb' }));
  api.post('/v1/text-sessions', async (req, res) => {
    const request = parseOrProblem(CreateTextSession, req.body ?? {});
    const created = await options.textSessions.create(request);
    res.status(201).location(`/v1/text-sessions/${created.id}`).json(created);
  });
  api.post('/v1/text-sessions/:id/messages', async (req, res) => {
    const { text } = parseOrProblem(TextMessage, req.body ?? {});
    res.json(await options.textSessions.message(String(req.params.id), text));
  });
  api.delete('/v1/text-sessions/:id', async (req, res) => {
    res.json(await options.textSessions.end(String(req.params.id)));
  });
  app.use(api);
  app.use(notFoundHandler);
  app.use(problemErrorHandler(options.log));
  return app;
}

export async function listen(
  app: express.Express,
  port: number,
  host: string,
): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${shownHost}:${address.port}` };
}
