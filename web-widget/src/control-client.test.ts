import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WidgetTextSessionGrant } from '@speaknode/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from './control-client.ts';
import { WidgetError } from './widget-error.ts';

/** Answers as control does, by the path's last segment; records the paths asked for. */
let answer: (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
const paths: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/speaknode`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const problem =
  (status: number, detail: string, headers: Record<string, string> = {}) =>
  (_req: IncomingMessage, res: ServerResponse) =>
    res
      .writeHead(status, { 'content-type': 'application/problem+json', ...headers })
      .end(JSON.stringify({ status, detail }));

async function refusal(run: () => Promise<unknown>): Promise<WidgetError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WidgetError);
  return error as WidgetError;
}

const grant: WidgetTextSessionGrant = {
  mode: 'text',
  callId: '00000000-0000-4000-8000-000000000001',
  sessionId: '00000000-0000-4000-8000-000000000002',
  messagesUrl: '/api/v1/public/agents/pk_x/sessions/s/messages',
  sessionUrl: '/api/v1/public/agents/pk_x/sessions/s',
  greeting: null,
  sessionToken: 'st_secret',
};

describe('ControlClient', () => {
  const client = () => new ControlClient(base, 'pk_testtesttesttesttest');

  it('turns each refusal into its stable code', async () => {
    answer = problem(403, 'the origin https://shop.example is not allowed for this agent');
    const origin = await refusal(() => client().agent());
    expect(origin.code).toBe('origin_not_allowed');
    expect(origin.ownerHint).toMatch(/allowed origins/);
    answer = problem(403, 'text conversations are turned off in this agent’s widget settings (widget.textEnabled)');
    expect((await refusal(() => client().startText())).code).toBe('mode_unavailable');
    answer = problem(404, 'no agent has this publishable key');
    expect((await refusal(() => client().agent())).code).toBe('unknown_key');
    answer = problem(429, 'too many sessions from your address: try again in 42 s', { 'retry-after': '42' });
    const limited = await refusal(() => client().startText());
    expect([limited.code, limited.retryAfterSeconds, limited.message]).toEqual([
      'rate_limited',
      42,
      'Too many conversations were started from here. Please try again in 42 seconds.',
    ]);
    answer = problem(503, 'the agent worker cannot be reached');
    expect((await refusal(() => client().startText())).code).toBe('service_unavailable');
    answer = problem(409, 'the session has ended');
    expect((await refusal(() => client().send(grant, 'hi', { onDelta() {} }))).code).toBe('session_ended');
    answer = (_req, res) => res.destroy();
    expect((await refusal(() => client().agent())).code).toBe('service_unavailable');
  });

  it('refuses an api-base that is not a URL, for the site owner to fix', async () => {
    expect(() => new ControlClient('speaknode.example.com', 'pk_x')).toThrowError(
      expect.objectContaining({ code: 'misconfigured' }),
    );
  });

  it('streams a reply piece by piece, below an api-base with a path, with the session token', async () => {
    let request: { headers: IncomingMessage['headers']; body: string } | undefined;
    answer = (req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        request = { headers: req.headers, body };
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: delta\ndata: {"text":"Hello"}\n\n');
        res.write('event: delta\ndata: {"text":", there"}\n\n');
        res.end('event: done\ndata: {"reply":"Hello, there","toolCalls":[],"ended":false}\n\n');
      });
    };
    const pieces: string[] = [];
    const reply = await client().send(grant, 'hi', { onDelta: (soFar) => pieces.push(soFar) });
    expect(pieces).toEqual(['Hello', 'Hello, there']);
    expect(reply).toEqual({ reply: 'Hello, there', toolCalls: [], ended: false });
    // A CORS simple request (no preflight): text/plain JSON, the token in the body, no Authorization.
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(JSON.parse(request?.body ?? '')).toEqual({ text: 'hi', sessionToken: 'st_secret' });
    expect(paths.at(-1)).toBe('/speaknode/api/v1/public/agents/pk_x/sessions/s/messages');
  });

  it('asks for a session as a simple request, its mode in a text/plain JSON body', async () => {
    let request: { headers: IncomingMessage['headers']; body: string } | undefined;
    answer = (req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        request = { headers: req.headers, body };
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(grant));
      });
    };
    expect(await client().startText()).toEqual(grant);
    expect(request?.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(JSON.parse(request?.body ?? '')).toEqual({ mode: 'text' });
    expect(paths.at(-1)).toBe('/speaknode/api/v1/public/agents/pk_testtesttesttesttest/sessions');
  });

  it('reports a stream that fails or drops before its end', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: delta\ndata: {"text":"Hel"}\n\nevent: error\ndata: {"problem":{"title":"x","status":502}}\n\n');
    };
    expect((await refusal(() => client().send(grant, 'hi', { onDelta() {} }))).code).toBe('message_failed');
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: delta\ndata: {"text":"Hel"}\n\n');
    };
    expect((await refusal(() => client().send(grant, 'hi', { onDelta() {} }))).message).toMatch(/connection dropped/);
  });
});
