/**
 * The worker's `POST /v1/tool-runs` (the console's Try it, asked by control): one run through the
 * executor conversations use, the request shown with the credential redacted, and the same
 * refusals (address policy, undeclared arguments) a conversation gets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ToolTryResult } from '@speaknode/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentApp, listen } from '../http/http-server.ts';
import { TextSessionManager } from '../text-sessions/text-session-manager.ts';

const API_TOKEN = 'control-to-agent-token-0123456789';
const SECRET = 'sk-live-crm-secret-4711';
const CREDENTIAL = '3f8a6c1e-2b4d-4e5f-9a7b-1c2d3e4f5a6b';
let crm: Server;
let crmUrl: string;
let worker: Server;
let base: string;
const received: Array<{ url: string; authorization: string | undefined; body: string }> = [];

beforeAll(async () => {
  crm = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ url: req.url ?? '', authorization: req.headers.authorization, body });
      // Quotes the credential back, as some services do.
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ order: 'A-17', status: 'shipped', seenAuth: req.headers.authorization }));
    });
  });
  await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
  crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}`;
  const app = createAgentApp({
    textSessions: new TextSessionManager({ idleMs: 60_000, maxSessions: 1, log: () => {} }),
    apiToken: API_TOKEN,
    readiness: () => ({ ready: true, checks: {} }),
    log: () => {},
  });
  ({ server: worker, url: base } = await listen(app, 0, '127.0.0.1'));
});

afterAll(async () => {
  worker.closeAllConnections();
  await new Promise<void>((r) => worker.close(() => r()));
  crm.closeAllConnections();
  await new Promise<void>((r) => crm.close(() => r()));
});

const tool = (overrides: Record<string, unknown> = {}) => ({
  name: 'lookup_order',
  description: 'Looks up an order',
  method: 'POST',
  urlTemplate: `${crmUrl}/orders/{order_id}`,
  parameters: { type: 'object', properties: { order_id: { type: 'string' }, note: { type: 'string' } } },
  auth: { type: 'bearer', credentialId: CREDENTIAL },
  ...overrides,
});

const run = (body: unknown, token: string | null = API_TOKEN) =>
  fetch(`${base}/v1/tool-runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('a tool run for Try it', () => {
  it('sends the request as a conversation would and shows it and the answer with the secret redacted', async () => {
    received.length = 0;
    const answer = await run({
      tool: tool(),
      arguments: { order_id: 'A-17', note: 'call back' },
      credentials: { [CREDENTIAL]: { kind: 'http-tool', secret: SECRET } },
      toolHostAllowList: ['127.0.0.1'],
    });
    expect(answer.status).toBe(200);
    const text = await answer.text();
    expect(text).not.toContain(SECRET);
    const result = ToolTryResult.parse(JSON.parse(text));
    expect(result.request).toEqual({
      method: 'POST',
      url: `${crmUrl}/orders/A-17`,
      headers: {
        accept: 'application/json, text/plain;q=0.9, */*;q=0.1',
        authorization: '[redacted]',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ note: 'call back' }),
    });
    expect(result.response).toMatchObject({
      status: 200,
      output: { order: 'A-17', status: 'shipped', seenAuth: 'Bearer [redacted]' },
    });
    expect(result.error).toBeNull();
    // The service did get the real credential.
    expect(received).toEqual([
      { url: '/orders/A-17', authorization: `Bearer ${SECRET}`, body: JSON.stringify({ note: 'call back' }) },
    ]);
  });

  it('keeps the address policy: a loopback host not on the allow-list is refused before anything is sent', async () => {
    received.length = 0;
    const answer = await run({
      tool: tool(),
      arguments: { order_id: 'A-17' },
      credentials: { [CREDENTIAL]: { kind: 'http-tool', secret: SECRET } },
    });
    expect(answer.status).toBe(200);
    const result = ToolTryResult.parse(await answer.json());
    expect(result.response).toBeNull();
    expect(result.error?.kind).toBe('refused');
    expect(result.error?.message).toMatch(/127\.0\.0\.1/);
    expect(received).toEqual([]);
  });

  it('refuses arguments the tool does not declare, as in a conversation', async () => {
    received.length = 0;
    const result = ToolTryResult.parse(
      await (
        await run({
          tool: tool(),
          arguments: { order_id: 'A-17', admin: true },
          credentials: { [CREDENTIAL]: { kind: 'http-tool', secret: SECRET } },
          toolHostAllowList: ['127.0.0.1'],
        })
      ).json(),
    );
    expect(result.request).toBeNull();
    expect(result.error).toMatchObject({ kind: 'bad_arguments' });
    expect(result.error?.message).toContain('"admin"');
    expect(received).toEqual([]);
  });

  it('says a missing credential is missing', async () => {
    const result = ToolTryResult.parse(
      await (await run({ tool: tool(), arguments: { order_id: 'A-17' }, toolHostAllowList: ['127.0.0.1'] })).json(),
    );
    expect(result.error).toMatchObject({ kind: 'credential' });
  });

  it('takes only control’s token and a well-formed run', async () => {
    expect((await run({ tool: tool(), arguments: {} }, null)).status).toBe(401);
    expect((await run({ tool: tool(), arguments: {} }, 'wrong-token-0123456789abcdef-xx')).status).toBe(401);
    const bad = await run({ tool: { name: 'x' }, arguments: {} });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
