import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { llm } from '@livekit/agents';
import { HostAllowList } from '@speaknode/runtime/address-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentTools } from './agent-tools.ts';
import { callHttpTool, HttpToolError, type RuntimeHttpTool } from './http-tool.ts';

let server: Server;
let port: number;
const received: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/echo-auth') {
      // A server that quotes the credential back, as some do in their 401s.
      res.statusCode = 401;
      res.end(`invalid credentials: ${req.headers.authorization ?? req.headers['x-api-key'] ?? ''}`);
      return;
    }
    if (url.pathname === '/echo-all') {
      const auth = req.headers.authorization ?? '';
      const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          youSent: auth,
          decoded: basic,
          key: req.headers['x-api-key'] ?? null,
          nested: [{ again: auth }],
        }),
      );
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: url.pathname, query: [...url.searchParams] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const ctx = { credentials: {}, allowList: new HostAllowList(['127.0.0.1']) };

function tool(
  urlPath: string,
  properties: Record<string, object>,
  overrides: Partial<RuntimeHttpTool> = {},
): RuntimeHttpTool {
  return {
    id: '00000000-0000-4000-8000-000000000002',
    name: 'search',
    description: 'Searches',
    parameters: { type: 'object', properties },
    method: 'GET',
    urlTemplate: `http://127.0.0.1:${port}${urlPath}`,
    headers: {},
    auth: { type: 'none' },
    timeoutMs: 2_000,
    maxResponseBytes: 8_192,
    ...overrides,
  };
}

async function refusal(promise: Promise<unknown>): Promise<HttpToolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpToolError);
  return error as HttpToolError;
}

describe('arguments cannot change what the admin fixed', () => {
  it('template query parameters are never overridden or repeated', async () => {
    const search = tool('/search?tenant=acme&q={q}', {
      q: { type: 'string' },
      tenant: { type: 'string' },
      page: { type: 'number' },
    });
    const before = received.length;
    const error = await refusal(callHttpTool(search, { q: 'shoes', tenant: 'evil' }, ctx));
    expect(error.kind).toBe('bad_arguments');
    expect(error.message).toMatch(/"tenant" .* is fixed by the tool's URL/);
    expect(received.length).toBe(before);

    const ok = await callHttpTool(search, { q: 'a&tenant=evil', page: 2 }, ctx);
    expect(ok.output).toEqual({
      path: '/search',
      query: [
        ['tenant', 'acme'],
        ['q', 'a&tenant=evil'],
        ['page', '2'],
      ],
    });
  });

  it('arguments the parameter schema does not declare are refused, and the model sees why', async () => {
    const search = tool('/search?tenant=acme&q={q}', { q: { type: 'string' } });
    const before = received.length;
    const error = await refusal(callHttpTool(search, { q: 'x', tenant: 'evil', admin: true }, ctx));
    expect(error.kind).toBe('bad_arguments');
    expect(error.message).toBe('search has no parameter "tenant", "admin"; use only the parameters it declares');
    expect(received.length).toBe(before);

    const [asTool] = buildAgentTools({
      tools: [search],
      credentials: {},
      allowList: ctx.allowList,
      endCallEnabled: false,
      transferDestinations: [],
      callbacks: { endCall: () => {} },
    });
    const thrown = await asTool
      ?.execute({ q: 'x', tenant: 'evil' }, {
        ctx: {},
        toolCallId: 't1',
        abortSignal: new AbortController().signal,
      } as never)
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(llm.ToolError);
    expect((thrown as Error).message).toMatch(/has no parameter "tenant"/);
  });

  it('a path argument that is or decodes to . or .. is refused', async () => {
    const profile = tool('/api/customers/{id}/profile', {
      id: { type: 'string' },
      a: { type: 'string' },
      b: { type: 'string' },
    });
    const before = received.length;
    for (const id of ['..', '.', '%2e%2e', '.%2E', '%2e']) {
      const error = await refusal(callHttpTool(profile, { id }, ctx));
      expect(error.kind, id).toBe('bad_arguments');
      expect(error.message, id).toMatch(/would move the request to another path/);
    }
    // Two placeholders that together make one `..` segment.
    const joined = tool('/api/customers/{a}{b}/profile', { a: { type: 'string' }, b: { type: 'string' } });
    expect((await refusal(callHttpTool(joined, { a: '.', b: '.' }, ctx))).kind).toBe('bad_arguments');
    expect(received.length).toBe(before);
    // Dots inside a segment, or a slash, stay inside the segment.
    expect((await callHttpTool(profile, { id: '..a' }, ctx)).output).toMatchObject({
      path: '/api/customers/..a/profile',
    });
    expect((await callHttpTool(profile, { id: '../x' }, ctx)).output).toMatchObject({
      path: '/api/customers/..%2Fx/profile',
    });
  });
});

describe("a tool's secrets never leave it", () => {
  const credentials = {
    bearer: { id: 'bearer', kind: 'http-tool', secret: 'tok-SECRET-bearer-1', settings: {} },
    basic: { id: 'basic', kind: 'http-tool', secret: 'pw-SECRET-basic-2', settings: { username: 'svc' } },
    pair: { id: 'pair', kind: 'http-tool', secret: 'ops:pw-SECRET-pair-3', settings: {} },
    header: { id: 'header', kind: 'http-tool', secret: 'key-SECRET-header-4', settings: {} },
  };
  const auths: Array<Exclude<RuntimeHttpTool['auth'], { type: 'none' }>> = [
    { type: 'bearer', credentialId: 'bearer' },
    { type: 'basic', credentialId: 'basic' },
    { type: 'basic', credentialId: 'pair' },
    { type: 'header', header: 'X-Api-Key', credentialId: 'header' },
  ];
  const leaks = (text: string) =>
    [
      'SECRET',
      Buffer.from('svc:pw-SECRET-basic-2').toString('base64'),
      Buffer.from('ops:pw-SECRET-pair-3').toString('base64'),
    ].filter((s) => text.includes(s));

  it('an echoed credential is [redacted] in the error the model, transcript, spans and logs get', async () => {
    for (const auth of auths) {
      const error = await refusal(callHttpTool(tool('/echo-auth', {}, { auth }), {}, { ...ctx, credentials }));
      expect(error.kind).toBe('http_status');
      expect(error.message, auth.credentialId).toContain('invalid credentials:');
      expect(error.message, auth.credentialId).toContain('[redacted]');
      expect(leaks(error.message), auth.credentialId).toEqual([]);
    }
  });

  it('and in a successful answer, wherever it is nested, through the agent tool too', async () => {
    for (const auth of auths) {
      const result = await callHttpTool(tool('/echo-all', {}, { auth }), {}, { ...ctx, credentials });
      expect(leaks(JSON.stringify(result.output)), auth.credentialId).toEqual([]);
      expect(JSON.stringify(result.output)).toContain('[redacted]');
    }
    const [asTool] = buildAgentTools({
      tools: [tool('/echo-all', {}, { auth: auths[1] as RuntimeHttpTool['auth'] })],
      credentials,
      allowList: ctx.allowList,
      endCallEnabled: false,
      transferDestinations: [],
      callbacks: { endCall: () => {} },
    });
    const output = await asTool?.execute({}, {
      ctx: {},
      toolCallId: 't2',
      abortSignal: new AbortController().signal,
    } as never);
    expect(output).toMatchObject({ youSent: 'Basic [redacted]', decoded: 'svc:[redacted]', key: null });
  });
});

describe('a tool result is encoded once', () => {
  it('the agent tool hands the framework the parsed answer, which it JSON-encodes once for the model and the transcript', async () => {
    const [asTool] = buildAgentTools({
      tools: [tool('/search?q={q}', { q: { type: 'string' } })],
      credentials: {},
      allowList: ctx.allowList,
      endCallEnabled: false,
      transferDestinations: [],
      callbacks: { endCall: () => {} },
    });
    const output = await asTool?.execute({ q: 'x' }, {
      ctx: {},
      toolCallId: 't3',
      abortSignal: new AbortController().signal,
    } as never);
    // What @livekit/agents puts in FunctionCallOutput.output (the model's input and our transcript).
    const encoded = JSON.stringify(output);
    expect(encoded).toBe('{"path":"/search","query":[["q","x"]]}');
  });
});
