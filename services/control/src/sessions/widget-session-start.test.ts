/**
 * How control starts a widget visitor's text session, against a stand-in of the agent worker's API
 * that holds its answer to the create: the visitor is answered once the session is recorded, and
 * the first message tells the worker how to start the session while the call has not begun.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControl, type TestControl } from '../testing/harness.ts';

const API_TOKEN = 'control-to-agent-token-0123456789';
const ORIGIN = 'https://shop.example.com';

interface WorkerRequest {
  method: string;
  path: string;
  body: unknown;
}

let t: TestControl;
let worker: Server;
const received: WorkerRequest[] = [];
/** Answers the held creates (the worker's session has started). */
const heldCreates: Array<() => void> = [];
let agent: { id: string; publishableKey: string };
let spaceId: string;

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
  worker = createServer(async (req, res) => {
    const body = await bodyOf(req);
    received.push({ method: req.method ?? '', path: req.url ?? '', body });
    const json = (status: number, value: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.method === 'POST' && req.url === '/v1/text-sessions') {
      const { agentId, callId } = body as { agentId: string; callId: string };
      heldCreates.push(() => json(201, { id: callId, agentId, greeting: 'Hello from the worker.' }));
      return;
    }
    if (req.method === 'POST' && req.url?.endsWith('/messages')) {
      return json(200, { reply: 'Hi!', toolCalls: [], ended: false });
    }
    json(404, { title: 'Not Found', status: 404, detail: 'no such route' });
  });
  await new Promise<void>((resolve) => worker.listen(0, '127.0.0.1', resolve));
  t = await startTestControl({
    env: { AGENT_URL: `http://127.0.0.1:${(worker.address() as AddressInfo).port}`, AGENT_API_TOKEN: API_TOKEN },
  });
  const owner = await t.userToken('tess');
  spaceId = (await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Clinic' } })).body.id;
  const created = await t.request('POST', `/api/v1/spaces/${spaceId}/agents`, {
    token: owner,
    body: {
      name: 'Front desk',
      prompt: 'You are the front desk of a dental clinic.',
      greeting: 'Hello, this is the clinic.',
      llm: { provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'test-model' },
      stt: { provider: 'speaknode-models' },
      tts: { provider: 'speaknode-models', voice: 'en_US-stand-in-medium' },
      widget: { allowedOrigins: [ORIGIN] },
    },
  });
  expect(created.status).toBe(201);
  agent = created.body;
}, 120_000);

afterAll(async () => {
  for (const answer of heldCreates.splice(0)) answer();
  await t?.close();
  worker?.closeAllConnections();
  await new Promise<void>((resolve) => (worker ? worker.close(() => resolve()) : resolve()));
});

describe('a widget text session', () => {
  it('is answered before the worker has started it, and its first message says how to start it', async () => {
    const created = await t.request('POST', `/api/v1/public/agents/${agent.publishableKey}/sessions`, {
      headers: { origin: ORIGIN },
      body: { mode: 'text' },
    });
    // Answered while the worker still holds its answer to control's create.
    expect(created.status).toBe(201);
    expect(created.body.greeting).toBe('Hello, this is the clinic.');
    const { callId, messagesUrl, sessionToken } = created.body;
    await expect.poll(() => heldCreates.length).toBe(1);
    expect(received.find((r) => r.path === '/v1/text-sessions')?.body).toEqual({ agentId: agent.id, spaceId, callId });

    // The call has not begun (the worker reported nothing yet): the message carries the start.
    const reply = await t.request('POST', messagesUrl, {
      headers: { origin: ORIGIN, authorization: `Bearer ${sessionToken}` },
      body: { text: 'Are you open today?' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ reply: 'Hi!', toolCalls: [], ended: false });
    expect(received.find((r) => r.path.endsWith('/messages'))).toEqual({
      method: 'POST',
      path: `/v1/text-sessions/${callId}/messages`,
      body: { text: 'Are you open today?', start: { agentId: agent.id, spaceId } },
    });
    heldCreates.shift()?.();

    // Once the worker has reported the call in progress, messages go without it.
    const agentWorker = await t.serviceToken('service:agent');
    const update = await t.request('POST', `/internal/v1/calls/${callId}/updates`, {
      token: agentWorker,
      body: { status: 'in_progress', spaceId, agentId: agent.id },
    });
    expect(update.status).toBe(204);
    await t.request('POST', messagesUrl, {
      headers: { origin: ORIGIN, authorization: `Bearer ${sessionToken}` },
      body: { text: 'And tomorrow?' },
    });
    expect(received.filter((r) => r.path.endsWith('/messages')).at(-1)?.body).toEqual({ text: 'And tomorrow?' });
  });
});
