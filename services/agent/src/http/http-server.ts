/**
 * The worker's HTTP API: health, readiness and text sessions (contracts' text-session.ts).
 *
 *   POST   /v1/text-sessions               WorkerTextSessionCreate → 201 WorkerTextSessionCreated
 *   POST   /v1/text-sessions/{id}/messages WorkerTextMessage → 200 WorkerTextReply, or Server-Sent Events
 *                                          (delta, tool_call, done, error) with Accept: text/event-stream
 *   DELETE /v1/text-sessions/{id}          → 200 WorkerTextSessionEnded
 *   POST   /v1/tool-runs                   WorkerToolRun → 200 ToolTryResult (one run of an HTTP tool: the console's Try it)
 *
 * The text-session API is never anonymous: every call carries control's token
 * (`Authorization: Bearer <AGENT_API_TOKEN>`), on loopback too; without AGENT_API_TOKEN it refuses all.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AgentWorkerPaths,
  acceptsEventStream,
  type TextStreamEvent,
  WorkerTextMessage,
  WorkerTextSessionCreate,
  WorkerToolRun,
} from '@speaknode/contracts';
import type { Resolver } from '@speaknode/runtime/address-policy';
import { bearerTokenOf } from '@speaknode/runtime/auth';
import { respondWithEventStream } from '@speaknode/runtime/event-stream';
import {
  HttpProblem,
  notFoundHandler,
  parseOrProblem,
  problemErrorHandler,
  sendProblem,
} from '@speaknode/runtime/problem';
import express, { type RequestHandler, type Response } from 'express';
import type { ApiCaller, TextSessionManager } from '../text-sessions/text-session-manager.ts';
import { tryHttpTool } from '../tools/tool-try.ts';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
}

export interface AgentHttpServerOptions {
  textSessions: TextSessionManager;
  /** Control's token for the text-session API (AGENT_API_TOKEN). Unset: the API refuses every call. */
  apiToken: string | undefined;
  readiness: () => ReadinessReport;
  /** How tool runs resolve host names (tests); the system resolver otherwise, as in conversations. */
  resolver?: Resolver;
  log?: (message: string, error: unknown) => void;
}

/** Control, the holder of AGENT_API_TOKEN: the one caller, and the one allowed inline configurations. */
const CONTROL: ApiCaller = { name: 'control', mayUseInlineConfig: true };
const CALLER = Symbol('speaknode.agent.caller');

function callerOf(res: Response): ApiCaller {
  const caller = (res.locals as Record<symbol, ApiCaller | undefined>)[CALLER];
  if (!caller) throw new Error('callerOf called on a route without authentication');
  return caller;
}

function authenticate(expected: string | undefined): RequestHandler {
  const expectedBytes = expected ? Buffer.from(expected) : undefined;
  return (req, res, next) => {
    if (!expectedBytes) {
      sendProblem(
        res,
        HttpProblem.unauthorized(
          'the text-session API is closed: AGENT_API_TOKEN is not set on this worker (control calls it with that token)',
        ),
      );
      return;
    }
    const given = bearerTokenOf(req);
    const givenBytes = given ? Buffer.from(given) : undefined;
    if (!givenBytes || givenBytes.length !== expectedBytes.length || !timingSafeEqual(givenBytes, expectedBytes)) {
      sendProblem(res, HttpProblem.unauthorized('a valid Authorization: Bearer <AGENT_API_TOKEN> header is required'));
      return;
    }
    (res.locals as Record<symbol, ApiCaller>)[CALLER] = CONTROL;
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
  api.use(authenticate(options.apiToken));
  api.use(express.json({ limit: '512kb' }));
  api.post('/v1/text-sessions', async (req, res) => {
    const request = parseOrProblem(WorkerTextSessionCreate, req.body ?? {});
    const created = await options.textSessions.create(request, callerOf(res));
    res.status(201).location(`/v1/text-sessions/${created.id}`).json(created);
  });
  api.post('/v1/text-sessions/:id/messages', async (req, res) => {
    const { text, start } = parseOrProblem(WorkerTextMessage, req.body ?? {});
    const id = String(req.params.id);
    const caller = callerOf(res);
    if (!acceptsEventStream(req.get('accept'))) {
      res.json(await options.textSessions.message(id, text, { start, caller }));
      return;
    }
    await respondWithEventStream<TextStreamEvent>(res, async (emit) => {
      const reply = await options.textSessions.message(id, text, {
        start,
        caller,
        listener: {
          onDelta: (delta) => emit({ event: 'delta', data: { text: delta } }),
          onToolCall: (call) => emit({ event: 'tool_call', data: call }),
        },
      });
      emit({ event: 'done', data: reply });
    });
  });
  api.delete('/v1/text-sessions/:id', async (req, res) => {
    res.json(await options.textSessions.end(String(req.params.id)));
  });
  api.post(AgentWorkerPaths.toolRuns, async (req, res) => {
    const run = parseOrProblem(WorkerToolRun, req.body ?? {});
    // The run names its own credentials and reachable hosts: only control may send one.
    if (!callerOf(res).mayUseInlineConfig) throw HttpProblem.forbidden('only control may run a tool');
    res.json(await tryHttpTool(run, options.resolver ? { resolver: options.resolver } : {}));
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
