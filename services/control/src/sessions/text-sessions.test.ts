/**
 * Text conversations through control, with the real agent worker (a process, started as the stack
 * starts it) and a local OpenAI-compatible LLM; no LiveKit. The console's test sessions and the
 * widget's text sessions, JSON and Server-Sent Events, ending, and every way a request is refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentWorkerProcess, freePort, startAgentWorker } from '../testing/agent-worker-process.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';
import {
  lastIsToolResult,
  lastUserText,
  type OpenAIChatServer,
  startOpenAIChatServer,
} from '../testing/openai-chat-server.ts';

const API_TOKEN = 'control-to-agent-token-0123456789';
const ORIGIN = 'https://shop.example.com';

let t: TestControl;
let worker: AgentWorkerProcess;
let llm: OpenAIChatServer;
let crm: Server;
let owner: string;
let spaceId: string;
let agent: { id: string; publishableKey: string };
let otherSpace: { spaceId: string; agentId: string; publishableKey: string; owner: string };

beforeAll(async () => {
  llm = await startOpenAIChatServer((request) => {
    const text = lastUserText(request);
    if (text.includes('appointment')) {
      return lastIsToolResult(request)
        ? { text: 'You are booked for Tuesday at nine.' }
        : { toolCall: { name: 'next_appointment', arguments: { patientId: 'p-7' } } };
    }
    if (text === 'goodbye') {
      return lastIsToolResult(request)
        ? { text: 'Goodbye!' }
        : { toolCall: { name: 'end_call', arguments: { reason: 'the visitor said goodbye' } } };
    }
    return { text: `You said: ${text}` };
  });
  crm = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ next: 'Tuesday 09:00' }));
  });
  await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
  const workerPort = await freePort();
  t = await startTestControl({
    env: { AGENT_URL: `http://127.0.0.1:${workerPort}`, AGENT_API_TOKEN: API_TOKEN },
  });
  worker = await startAgentWorker({
    PORT: String(workerPort),
    CONTROL_URL: t.url,
    SPEAKNODE_OIDC_ISSUER: t.control.issuer,
    SPEAKNODE_SERVICE_CLIENT_ID: 'test-agent',
    SPEAKNODE_SERVICE_CLIENT_SECRET: 'test-agent-secret',
    AGENT_API_TOKEN: API_TOKEN,
    AGENT_CONFIG_CACHE_MS: '0',
  });
  owner = await t.userToken('tess');
  spaceId = await newSpace(owner, 'Clinic');
  agent = await newAgent(owner, spaceId);
  const other = await t.userToken('mallory');
  const otherSpaceId = await newSpace(other, 'Elsewhere');
  const otherAgent = await newAgent(other, otherSpaceId);
  otherSpace = {
    spaceId: otherSpaceId,
    agentId: otherAgent.id,
    publishableKey: otherAgent.publishableKey,
    owner: other,
  };
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await t?.close();
  await llm?.close();
  crm?.closeAllConnections();
  await new Promise<void>((resolve) => (crm ? crm.close(() => resolve()) : resolve()));
});

async function newSpace(token: string, name: string): Promise<string> {
  const space = await t.request('POST', '/api/v1/spaces', {
    token,
    // The CRM of this test runs on loopback: the space allows its host.
    body: { name, toolHostAllowList: ['127.0.0.1'] },
  });
  return space.body.id;
}

async function newAgent(token: string, inSpace: string) {
  const base = `/api/v1/spaces/${inSpace}`;
  const credential = await t.request('POST', `${base}/credentials`, {
    token,
    body: { name: 'TTS', kind: 'elevenlabs', secret: 'el-test-1234567890' },
  });
  const tool = await t.request('POST', `${base}/tools`, {
    token,
    body: {
      name: 'next_appointment',
      description: 'The next appointment of a patient',
      parameters: { type: 'object', properties: { patientId: { type: 'string' } }, required: ['patientId'] },
      method: 'GET',
      urlTemplate: `http://127.0.0.1:${(crm.address() as AddressInfo).port}/appointments/{patientId}`,
    },
  });
  const created = await t.request('POST', `${base}/agents`, {
    token,
    body: {
      name: 'Front desk',
      prompt: 'You are the front desk of a dental clinic.',
      greeting: 'Hello, this is the clinic.',
      llm: { provider: 'openai-compatible', baseUrl: llm.url, model: 'test-model' },
      stt: { provider: 'speaknode-models' },
      tts: { provider: 'elevenlabs', model: 'eleven_flash_v2_5', voice: 'Rachel', credentialId: credential.body.id },
      toolIds: [tool.body.id],
      widget: { allowedOrigins: [ORIGIN] },
    },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; publishableKey: string };
}

/** The events of an SSE response, parsed. */
async function readEvents(res: Response) {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      return {
        event: lines.find((l) => l.startsWith('event: '))!.slice(7),
        data: JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)),
      };
    });
}

const testSessions = (inSpace = spaceId, agentId = agent.id) =>
  `/api/v1/spaces/${inSpace}/agents/${agentId}/test-sessions`;

async function outboxTypes(callId: string): Promise<string[]> {
  const { rows } = await t.database.pool.query<{ type: string }>(
    "SELECT event->>'type' AS type FROM outbox WHERE event->>'subject' = $1 ORDER BY id",
    [callId],
  );
  return rows.map((r) => r.type);
}

describe('a text test session from the console', () => {
  it('talks through control (JSON and streamed), ends with its usage, and is a call like any other', async () => {
    const created = await t.request('POST', testSessions(), { token: owner, body: { mode: 'text' } });
    expect(created.status).toBe(201);
    const { callId, sessionId, messagesUrl, sessionUrl } = created.body;
    expect(created.body).toMatchObject({
      mode: 'text',
      greeting: 'Hello, this is the clinic.',
      messagesUrl: `${testSessions()}/${sessionId}/messages`,
      sessionUrl: `${testSessions()}/${sessionId}`,
    });

    const plain = await t.request('POST', messagesUrl, { token: owner, body: { text: 'Are you open on Sunday?' } });
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({ reply: 'You said: Are you open on Sunday?', toolCalls: [], ended: false });

    const streamed = await fetch(`${t.url}${messagesUrl}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ text: 'When is my next appointment?' }),
    });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(streamed);
    expect(events.map((e) => e.event).filter((n, i, all) => n !== all[i - 1])).toEqual(['tool_call', 'delta', 'done']);
    const toolCall = {
      name: 'next_appointment',
      arguments: { patientId: 'p-7' },
      output: expect.stringContaining('Tuesday 09:00'),
    };
    expect(events[0]!.data).toEqual(toolCall);
    expect(
      events
        .filter((e) => e.event === 'delta')
        .map((e) => e.data.text)
        .join(''),
    ).toBe('You are booked for Tuesday at nine.');
    expect(events.at(-1)!.data).toEqual({
      reply: 'You are booked for Tuesday at nine.',
      toolCalls: [toolCall],
      ended: false,
    });

    const ended = await t.request('DELETE', sessionUrl, { token: owner });
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ sessionId, callId, endReason: 'caller_hangup' });

    const call = await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${callId}`, { token: owner });
    expect(call.body).toMatchObject({
      channel: 'test',
      transport: 'text',
      status: 'ended',
      endReason: 'caller_hangup',
    });
    expect(call.body.transcript.map((turn: { speaker: string; text: string }) => [turn.speaker, turn.text])).toEqual([
      ['agent', 'Hello, this is the clinic.'],
      ['user', 'Are you open on Sunday?'],
      ['agent', 'You said: Are you open on Sunday?'],
      ['user', 'When is my next appointment?'],
      ['agent', 'You are booked for Tuesday at nine.'],
    ]);
    expect(call.body.usage).toMatchObject({ llmPromptTokens: 60, llmCompletionTokens: 15, toolCalls: 1 });
    expect(call.body.events.map((e: { detail: string }) => e.detail)).toEqual([
      'created → in_progress',
      'in_progress → ended (caller_hangup)',
    ]);
    // The same events as any call: subscribers and billing see it.
    expect(await outboxTypes(callId)).toEqual([
      'call.status_changed',
      'call.started',
      'call.status_changed',
      'call.ended',
      'call.transcript.ready',
      'usage.updated',
    ]);

    const after = await t.request('POST', messagesUrl, { token: owner, body: { text: 'still there?' } });
    expect(after.status).toBe(409);
    expect(after.headers.get('content-type')).toContain('application/problem+json');
    expect((await t.request('DELETE', sessionUrl, { token: owner })).status).toBe(409);
  });

  it('ends when the agent ends it, and says so in the reply', async () => {
    const created = await t.request('POST', testSessions(), { token: owner, body: { mode: 'text' } });
    const reply = await t.request('POST', created.body.messagesUrl, { token: owner, body: { text: 'goodbye' } });
    expect(reply.body).toMatchObject({ reply: 'Goodbye!', ended: true, endReason: 'agent_hangup' });
    const call = await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${created.body.callId}`, { token: owner });
    expect(call.body).toMatchObject({ status: 'ended', endReason: 'agent_hangup', transport: 'text' });
    expect(call.body.usage).not.toBeNull();
    expect((await t.request('POST', created.body.messagesUrl, { token: owner, body: { text: 'hello?' } })).status).toBe(
      409,
    );
  });

  it('refuses other spaces, lower roles, empty, oversized and malformed messages with problem+json', async () => {
    const created = await t.request('POST', testSessions(), { token: owner, body: { mode: 'text' } });
    const { messagesUrl, sessionId } = created.body;
    const send = (body: unknown, token = owner, url = messagesUrl) => t.request('POST', url, { token, body });

    // Another space's owner, on this space's URL and on their own space's URL with this session's id.
    expect((await send({ text: 'hi' }, otherSpace.owner)).status).toBe(404);
    const crossed = `${testSessions(otherSpace.spaceId, otherSpace.agentId)}/${sessionId}/messages`;
    expect((await send({ text: 'hi' }, otherSpace.owner, crossed)).status).toBe(404);
    expect(
      (
        await t.request('DELETE', `${testSessions(otherSpace.spaceId, otherSpace.agentId)}/${sessionId}`, {
          token: otherSpace.owner,
        })
      ).status,
    ).toBe(404);
    // This space, another agent's URL.
    expect(
      (await send({ text: 'hi' }, owner, `${testSessions(spaceId, otherSpace.agentId)}/${sessionId}/messages`)).status,
    ).toBe(404);

    const viewer = await t.userToken('vera');
    await t.request('GET', '/api/v1/spaces', { token: viewer });
    await t.request('POST', `/api/v1/spaces/${spaceId}/members`, {
      token: owner,
      body: { subject: 'vera', role: 'viewer' },
    });
    expect((await send({ text: 'hi' }, viewer)).status).toBe(403);
    expect((await t.request('POST', testSessions(), { token: viewer, body: { mode: 'text' } })).status).toBe(403);
    expect((await t.request('POST', messagesUrl, { body: { text: 'hi' } })).status).toBe(401);

    const empty = await send({ text: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([{ path: 'text', message: 'must not be empty' }]);
    const oversized = await send({ text: 'x'.repeat(8_001) });
    expect(oversized.status).toBe(413);
    expect(oversized.body.errors).toEqual([{ path: 'text', message: 'must be at most 8000 characters' }]);
    expect((await send({ text: 42 })).status).toBe(400);
    expect((await send({ text: 'hi', extra: true })).status).toBe(400);
    expect((await t.request('POST', messagesUrl, { token: owner, rawBody: '{"text": ' })).status).toBe(400);
    expect((await t.request('POST', testSessions(), { token: owner, body: { mode: 'video' } })).status).toBe(400);
    expect((await send({ text: 'hi' }, owner, `${testSessions()}/not-a-uuid/messages`)).status).toBe(404);

    // Still usable after all that.
    expect((await send({ text: 'hi' })).body.reply).toBe('You said: hi');
    expect((await t.request('DELETE', created.body.sessionUrl, { token: owner })).status).toBe(200);
  });
});

describe('a text session from the widget', () => {
  const sessions = () => `/api/v1/public/agents/${agent.publishableKey}/sessions`;
  const visitor = (sessionToken?: string) => ({
    origin: ORIGIN,
    ...(sessionToken ? { authorization: `Bearer ${sessionToken}` } : {}),
  });

  it('gives a token for its session only, answers with tool names only, and ends on DELETE', async () => {
    const created = await t.request('POST', sessions(), { headers: visitor(), body: { mode: 'text' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const { sessionId, sessionToken, messagesUrl, sessionUrl, callId } = created.body;
    expect(sessionToken).toMatch(/^st_/);
    expect(messagesUrl).toBe(`${sessions()}/${sessionId}/messages`);

    const reply = await t.request('POST', messagesUrl, {
      headers: visitor(sessionToken),
      body: { text: 'When is my next appointment?' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      reply: 'You are booked for Tuesday at nine.',
      toolCalls: [{ name: 'next_appointment' }],
      ended: false,
    });

    const second = await t.request('POST', sessions(), { headers: visitor(), body: { mode: 'text' } });
    // Another session's token, no token, a foreign origin: this session is not theirs.
    expect(
      (await t.request('POST', messagesUrl, { headers: visitor(second.body.sessionToken), body: { text: 'hi' } }))
        .status,
    ).toBe(404);
    expect((await t.request('POST', messagesUrl, { headers: visitor(), body: { text: 'hi' } })).status).toBe(404);
    expect(
      (
        await t.request('POST', messagesUrl, {
          headers: { origin: 'https://evil.example.net', authorization: `Bearer ${sessionToken}` },
          body: { text: 'hi' },
        })
      ).status,
    ).toBe(403);
    expect((await t.request('DELETE', sessionUrl, { headers: visitor(second.body.sessionToken) })).status).toBe(404);
    const preflight = await t.request('OPTIONS', messagesUrl, { headers: { origin: ORIGIN } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');

    const ended = await t.request('DELETE', sessionUrl, { headers: visitor(sessionToken) });
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ sessionId, callId, endReason: 'caller_hangup' });
    const call = await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${callId}`, { token: owner });
    expect(call.body).toMatchObject({ channel: 'widget', transport: 'text', status: 'ended' });
    expect(
      (await t.request('POST', messagesUrl, { headers: visitor(sessionToken), body: { text: 'hi' } })).status,
    ).toBe(409);
    await t.request('DELETE', second.body.sessionUrl, { headers: visitor(second.body.sessionToken) });
  });

  it('streams a visitor’s reply without what the tools returned', async () => {
    const created = await t.request('POST', sessions(), { headers: visitor(), body: { mode: 'text' } });
    const res = await fetch(`${t.url}${created.body.messagesUrl}`, {
      method: 'POST',
      headers: {
        ...visitor(created.body.sessionToken),
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ text: 'When is my next appointment?' }),
    });
    const events = await readEvents(res);
    expect(events.find((e) => e.event === 'tool_call')!.data).toEqual({ name: 'next_appointment' });
    expect(events.at(-1)).toEqual({
      event: 'done',
      data: { reply: 'You are booked for Tuesday at nine.', toolCalls: [{ name: 'next_appointment' }], ended: false },
    });
    await t.request('DELETE', created.body.sessionUrl, { headers: visitor(created.body.sessionToken) });
  });

  it('takes a CORS simple request: text/plain JSON, the session token in the body', async () => {
    // What the widget sends, so the browser needs no preflight before either request.
    const plain = (path: string, body: string, origin = ORIGIN) =>
      fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { origin, 'content-type': 'text/plain;charset=UTF-8', accept: 'text/event-stream' },
        body,
      });
    const created = await plain(sessions(), JSON.stringify({ mode: 'text' }));
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const grant = (await created.json()) as { messagesUrl: string; sessionUrl: string; sessionToken: string };
    expect(grant).toMatchObject({ mode: 'text', sessionToken: expect.stringMatching(/^st_/) });
    const message = (body: unknown, origin?: string) => plain(grant.messagesUrl, JSON.stringify(body), origin);

    const streamed = await message({ text: 'hi', sessionToken: grant.sessionToken });
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    expect((await readEvents(streamed)).at(-1)).toEqual({
      event: 'done',
      data: { reply: 'You said: hi', toolCalls: [], ended: false },
    });
    // Another session’s token, none, one that is not text, a foreign origin, a body that is not JSON.
    const other = (await (await plain(sessions(), JSON.stringify({ mode: 'text' }))).json()) as typeof grant;
    expect((await message({ text: 'hi', sessionToken: other.sessionToken })).status).toBe(404);
    expect((await message({ text: 'hi' })).status).toBe(404);
    expect((await message({ text: 'hi', sessionToken: 42 })).status).toBe(404);
    expect((await message({ text: 'hi', sessionToken: grant.sessionToken }, 'https://evil.example.net')).status).toBe(
      403,
    );
    const malformed = await plain(grant.messagesUrl, '{"text": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { detail: string }).detail).toBe('the request body is not valid JSON');
    // The token is no field of the message: anything else still is refused as before.
    expect((await message({ text: 'hi', sessionToken: grant.sessionToken, extra: true })).status).toBe(400);
    // Still usable after all that.
    const again = await message({ text: 'again', sessionToken: grant.sessionToken });
    expect((await readEvents(again)).at(-1)?.data).toMatchObject({ reply: 'You said: again' });
    for (const session of [grant, other]) {
      await t.request('DELETE', session.sessionUrl, { headers: visitor(session.sessionToken) });
    }
  });

  it('is refused when the widget’s text mode is off', async () => {
    await t.request('PUT', `/api/v1/spaces/${spaceId}/agents/${agent.id}`, {
      token: owner,
      body: {
        ...(await t.request('GET', `/api/v1/spaces/${spaceId}/agents/${agent.id}`, { token: owner })).body,
        widget: { allowedOrigins: [ORIGIN], textEnabled: false },
      },
    });
    // The widget's agent lookup is cached for a few seconds.
    await expect
      .poll(
        async () =>
          (await t.request('GET', `/api/v1/public/agents/${agent.publishableKey}`, { headers: visitor() })).body
            .textEnabled,
        { timeout: 15_000, interval: 250 },
      )
      .toBe(false);
    const refused = await t.request('POST', sessions(), { headers: visitor(), body: { mode: 'text' } });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('widget.textEnabled');
    // Voice is still on: only the text mode is refused.
    expect((await t.request('POST', sessions(), { headers: visitor(), body: { mode: 'voice' } })).status).toBe(503);
  });
});

describe('when the agent worker is down', () => {
  it('answers 503 and fails the call with the reason', async () => {
    const live = await t.request('POST', testSessions(), { token: owner, body: { mode: 'text' } });
    await worker.stop('SIGKILL');
    const created = await t.request('POST', testSessions(), { token: owner, body: { mode: 'text' } });
    expect(created.status).toBe(503);
    expect(created.body.detail).toContain('cannot be reached');
    const calls = await t.request('GET', `/api/v1/spaces/${spaceId}/calls?limit=1`, { token: owner });
    expect(calls.body.items[0]).toMatchObject({ status: 'failed', transport: 'text' });
    expect(calls.body.items[0].failureReason).toContain('the agent worker could not start the conversation');
    const message = await t.request('POST', live.body.messagesUrl, { token: owner, body: { text: 'hi' } });
    expect(message.status).toBe(503);
  });

  it('answers a widget visitor at once, then fails the call and answers the first message with 503', async () => {
    // A visitor is answered before the worker's session has started; the worker's refusal follows.
    const created = await t.request('POST', `/api/v1/public/agents/${otherSpace.publishableKey}/sessions`, {
      headers: { origin: ORIGIN },
      body: { mode: 'text' },
    });
    expect(created.status).toBe(201);
    expect(created.body.greeting).toBe('Hello, this is the clinic.');
    const callOf = async () =>
      (
        await t.database.pool.query<{ status: string; failure_reason: string | null }>(
          'SELECT status, failure_reason FROM calls WHERE id = $1',
          [created.body.callId],
        )
      ).rows[0];
    await expect.poll(async () => (await callOf())?.status, { timeout: 15_000 }).toBe('failed');
    expect((await callOf())?.failure_reason).toContain('the agent worker could not start the conversation');
    const message = await t.request('POST', created.body.messagesUrl, {
      headers: { origin: ORIGIN, authorization: `Bearer ${created.body.sessionToken}` },
      body: { text: 'hi' },
    });
    expect(message.status).toBe(503);
    expect(message.body.detail).toContain('cannot take a conversation right now');
  });
});
