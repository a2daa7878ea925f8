import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../control/control-client.ts';
import { ensureFrameworkLogger } from '../framework.ts';
import { createAgentApp, listen } from '../http/http-server.ts';
import { type FakeControl, startFakeControl } from '../testing/control-server.ts';
import { AGENT_ID, CALL_ID, httpTool, runtimeConfig, SPACE_ID } from '../testing/fixtures.ts';
import {
  lastIsToolResult,
  lastUserText,
  type OpenAICompatibleServer,
  startOpenAICompatibleServer,
} from '../testing/openai-compatible-server.ts';
import { TextSessionManager } from './text-session-manager.ts';

const API_TOKEN = 'test-api-token-0123456789';
const CONTROL_CALLER = { name: 'control', mayUseInlineConfig: true };
let llmServer: OpenAICompatibleServer;
/** A CRM the agent's HTTP tool calls. */
let tools: { url: string; server: Server };
let control: FakeControl;
let manager: TextSessionManager;
let server: Server;
let base: string;

beforeAll(async () => {
  ensureFrameworkLogger('silent');
  llmServer = await startOpenAICompatibleServer((req) => ({ text: `Echo: ${lastUserText(req)}` }));
  control = await startFakeControl();
  const toolServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ next: 'Tuesday 09:00' }));
  });
  await new Promise<void>((r) => toolServer.listen(0, '127.0.0.1', r));
  tools = { url: `http://127.0.0.1:${(toolServer.address() as AddressInfo).port}`, server: toolServer };
  control.configs.set(AGENT_ID, runtimeConfig(llmServer.url, { agent: { greeting: 'Hi, this is the clinic.' } }));
  const client = new ControlClient({
    baseUrl: control.url,
    configCacheMs: 60_000,
    tokens: new ServiceTokenSource({
      issuer: control.issuer,
      clientId: control.clientId,
      clientSecret: control.clientSecret,
    }),
  });
  manager = new TextSessionManager({ control: client, idleMs: 60_000, maxSessions: 3, log: () => {} });
  const app = createAgentApp({
    textSessions: manager,
    apiToken: API_TOKEN,
    readiness: () => ({ ready: !manager.isDraining, checks: { textSessions: 'accepting', voice: 'off' } }),
    log: () => {},
  });
  ({ server, url: base } = await listen(app, 0, '127.0.0.1'));
});

afterAll(async () => {
  await manager.drain();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await llmServer.close();
  await control.close();
  tools.server.closeAllConnections();
  await new Promise<void>((r) => tools.server.close(() => r()));
});

/** The events of an SSE response, parsed (each `data:` is JSON). */
async function readEvents(res: Response): Promise<Array<{ event: string; data: unknown }>> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))!.slice('event: '.length);
      const data = lines.find((l) => l.startsWith('data: '))!.slice('data: '.length);
      return { event, data: JSON.parse(data) };
    });
}

async function api(method: string, path: string, body?: unknown, token: string | null = API_TOKEN) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined };
}

describe('text-session API end to end', () => {
  it('answers health and readiness', async () => {
    expect((await api('GET', '/healthz', undefined, null)).status).toBe(200);
    const ready = await api('GET', '/readyz', undefined, null);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.voice).toBe('off');
  });

  it('runs a conversation for an agent id, posting transcript, status and usage to control', async () => {
    const created = await api('POST', '/v1/text-sessions', { agentId: AGENT_ID, spaceId: SPACE_ID, callId: CALL_ID });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: CALL_ID, agentId: AGENT_ID, greeting: 'Hi, this is the clinic.' });

    // A call's session starts once: asking again answers the running session.
    const again = await api('POST', '/v1/text-sessions', { agentId: AGENT_ID, spaceId: SPACE_ID, callId: CALL_ID });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(created.body);

    const first = await api('POST', `/v1/text-sessions/${CALL_ID}/messages`, { text: 'Can I book a cleaning?' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ reply: 'Echo: Can I book a cleaning?', toolCalls: [], ended: false });
    const second = await api('POST', `/v1/text-sessions/${CALL_ID}/messages`, { text: 'Tuesday works' });
    expect(second.body.reply).toBe('Echo: Tuesday works');
    // The model saw the whole conversation, the greeting included.
    const lastRequest = JSON.stringify(llmServer.requests.at(-1)?.messages);
    expect(lastRequest).toContain('Can I book a cleaning?');
    expect(lastRequest).toContain('Hi, this is the clinic.');

    const ended = await api('DELETE', `/v1/text-sessions/${CALL_ID}`);
    expect(ended.status).toBe(200);
    expect(ended.body.endReason).toBe('caller_hangup');
    expect(ended.body.usage.llmCompletionTokens).toBeGreaterThan(0);

    expect(control.configFetches).toBe(1);
    expect(control.tokensIssued).toBe(1);
    // Every post names the session's space and agent, so control can refuse another space's call.
    const scope = { spaceId: SPACE_ID, agentId: AGENT_ID };
    expect(control.updates.map((u) => u.update)).toEqual([
      { status: 'in_progress', ...scope },
      { status: 'ended', endReason: 'caller_hangup', ...scope },
    ]);
    for (const { append } of control.transcripts) expect(append).toMatchObject(scope);
    expect(control.usages[0]?.usage).toMatchObject(scope);
    const turns = control.transcripts.flatMap((t) => t.append.turns);
    expect(turns.map((t) => [t.speaker, t.text])).toEqual([
      ['agent', 'Hi, this is the clinic.'],
      ['user', 'Can I book a cleaning?'],
      ['agent', 'Echo: Can I book a cleaning?'],
      ['user', 'Tuesday works'],
      ['agent', 'Echo: Tuesday works'],
    ]);
    expect(control.transcripts.map((t) => t.append.sequence)).toEqual([0, 1, 2, 3, 4]);
    expect(control.usages).toHaveLength(1);
    expect(control.usages[0]?.usage.llmPromptTokens).toBeGreaterThan(0);

    expect((await api('POST', `/v1/text-sessions/${CALL_ID}/messages`, { text: 'still there?' })).status).toBe(404);
  });

  it('starts the session from the first message when control has not, once, whichever request comes first', async () => {
    const agentId = 'a3000000-0000-4000-8000-000000000003';
    control.configs.set(agentId, { ...runtimeConfig(llmServer.url, { agent: { greeting: 'Welcome!' } }), agentId });
    const callId = 'a3000000-0000-4000-8000-0000000000c1';
    const start = { agentId, spaceId: SPACE_ID };
    // Control's create and the visitor's first message (which carries `start`) race to the worker.
    const [reply, created] = await Promise.all([
      api('POST', `/v1/text-sessions/${callId}/messages`, { text: 'Hello there', start }),
      api('POST', '/v1/text-sessions', { ...start, callId }),
    ]);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ reply: 'Echo: Hello there', toolCalls: [], ended: false });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: callId, agentId, greeting: 'Welcome!' });
    // A start for another agent does not take the call's session over.
    const otherAgent = await api('POST', `/v1/text-sessions/${callId}/messages`, {
      text: 'hi',
      start: { agentId: AGENT_ID, spaceId: SPACE_ID },
    });
    expect(otherAgent.status).toBe(409);
    expect(otherAgent.body.detail).toContain('another agent');
    expect((await api('DELETE', `/v1/text-sessions/${callId}`)).status).toBe(200);

    // One session: one in_progress, the greeting once and before the visitor's turn.
    const updates = control.updates.filter((u) => u.callId === callId).map((u) => u.update.status);
    expect(updates).toEqual(['in_progress', 'ended']);
    const turns = control.transcripts.filter((t) => t.callId === callId).flatMap((t) => t.append.turns);
    expect(turns.map((t) => [t.speaker, t.text])).toEqual([
      ['agent', 'Welcome!'],
      ['user', 'Hello there'],
      ['agent', 'Echo: Hello there'],
    ]);
  });

  it('lets a message and an end wait for the session of their call while it starts', async () => {
    const callId = 'a3000000-0000-4000-8000-0000000000c2';
    const creating = manager.create({ agentId: AGENT_ID, spaceId: SPACE_ID, callId }, CONTROL_CALLER);
    // Neither waits for `creating` here: both reach the manager while the session is starting.
    const replying = manager.message(callId, 'Are you open today?');
    const created = await creating;
    expect(created.id).toBe(callId);
    expect((await replying).reply).toBe('Echo: Are you open today?');

    const otherCall = 'a3000000-0000-4000-8000-0000000000c3';
    const startingOther = manager.create({ agentId: AGENT_ID, spaceId: SPACE_ID, callId: otherCall }, CONTROL_CALLER);
    const ending = manager.end(otherCall);
    await startingOther;
    expect((await ending).endReason).toBe('caller_hangup');
    await expect(manager.message(otherCall, 'hello?')).rejects.toMatchObject({ status: 404 });
    await manager.end(callId);
  });

  it('runs an inline agent configuration with an HTTP tool and end_call', async () => {
    llmServer.setScript((req) => {
      if (lastIsToolResult(req)) return { text: 'Goodbye!' };
      return { toolCalls: [{ name: 'end_call', arguments: { reason: 'caller is done' } }] };
    });
    const config = runtimeConfig(llmServer.url);
    const created = await api('POST', '/v1/text-sessions', {
      agent: config.agent,
      credentials: { [config.agent.llm.credentialId as string]: { kind: 'openai', secret: 'sk-inline' } },
    });
    expect(created.status).toBe(201);
    const reply = await api('POST', `/v1/text-sessions/${created.body.id}/messages`, { text: 'bye' });
    expect(reply.body).toMatchObject({
      reply: 'Goodbye!',
      ended: true,
      endReason: 'agent_hangup',
      toolCalls: [{ name: 'end_call', arguments: { reason: 'caller is done' }, output: expect.any(String) }],
    });
    expect(llmServer.authorizations.at(-1)).toBe('Bearer sk-inline');
    expect((await api('DELETE', `/v1/text-sessions/${created.body.id}`)).status).toBe(404);
    llmServer.setScript((req) => ({ text: `Echo: ${lastUserText(req)}` }));
  });

  it('streams a reply as Server-Sent Events: deltas in order, the tool call, then the whole reply', async () => {
    const agentId = 'a2000000-0000-4000-8000-000000000002';
    control.configs.set(agentId, {
      ...runtimeConfig(llmServer.url, {
        tools: [httpTool(`${tools.url}/appointments/{patientId}`)],
        toolHostAllowList: ['127.0.0.1'],
      }),
      agentId,
    });
    llmServer.setScript((req) =>
      lastIsToolResult(req)
        ? { text: 'Your next appointment is on Tuesday at nine.' }
        : { toolCalls: [{ name: 'lookup_appointment', arguments: { patientId: 'p-7' } }] },
    );
    const callId = 'a1000000-0000-4000-8000-000000000001';
    const created = await api('POST', '/v1/text-sessions', { agentId, spaceId: SPACE_ID, callId });
    expect(created.status).toBe(201);
    const res = await fetch(`${base}/v1/text-sessions/${callId}/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${API_TOKEN}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ text: 'When is my appointment? I am p-7.' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(res);
    const names = events.map((e) => e.event);
    expect(names.at(-1)).toBe('done');
    expect(names.filter((n) => n === 'delta').length).toBeGreaterThan(3);
    expect(names.indexOf('tool_call')).toBeLessThan(names.indexOf('delta'));
    const deltas = events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);
    expect(deltas.join('')).toBe('Your next appointment is on Tuesday at nine.');
    const toolCall = events.find((e) => e.event === 'tool_call')!.data;
    expect(toolCall).toEqual({
      name: 'lookup_appointment',
      arguments: { patientId: 'p-7' },
      output: expect.stringContaining('Tuesday 09:00'),
    });
    expect(events.at(-1)!.data).toEqual({
      reply: 'Your next appointment is on Tuesday at nine.',
      toolCalls: [toolCall],
      ended: false,
    });
    // Refused before the turn starts: a plain problem+json status, no stream.
    const busyOrMissing = await fetch(`${base}/v1/text-sessions/a1000000-0000-4000-8000-00000000dead/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${API_TOKEN}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(busyOrMissing.status).toBe(404);
    expect(busyOrMissing.headers.get('content-type')).toContain('application/problem+json');
    expect((await api('DELETE', `/v1/text-sessions/${callId}`)).status).toBe(200);
    llmServer.setScript((req) => ({ text: `Echo: ${lastUserText(req)}` }));
  });

  it('refuses inline configurations from any caller but control', async () => {
    const config = runtimeConfig(llmServer.url);
    const request = { agent: config.agent, tools: [], credentials: {}, toolHostAllowList: ['10.0.0.0/8'] };
    await expect(
      manager.create(request, { name: 'an evaluation client', mayUseInlineConfig: false }),
    ).rejects.toMatchObject({
      status: 403,
      detail: expect.stringContaining('inline configuration'),
    });
  });

  it('is closed when the worker has no AGENT_API_TOKEN: nobody gets in, on loopback neither', async () => {
    const closed = createAgentApp({
      textSessions: manager,
      apiToken: undefined,
      readiness: () => ({ ready: true, checks: {} }),
      log: () => {},
    });
    const { server: closedServer, url } = await listen(closed, 0, '127.0.0.1');
    try {
      for (const token of [undefined, '', API_TOKEN]) {
        const res = await fetch(`${url}/v1/text-sessions`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ agentId: AGENT_ID, spaceId: SPACE_ID }),
        });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { detail: string }).detail).toContain('AGENT_API_TOKEN is not set');
      }
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      closedServer.closeAllConnections();
      await new Promise<void>((r) => closedServer.close(() => r()));
    }
  });

  it('refuses unauthenticated, malformed and unknown requests with problem+json', async () => {
    const noToken = await api('POST', '/v1/text-sessions', { agentId: AGENT_ID, spaceId: SPACE_ID }, null);
    expect(noToken.status).toBe(401);
    expect(noToken.type).toContain('application/problem+json');
    expect(
      (await api('POST', '/v1/text-sessions', { agentId: AGENT_ID, spaceId: SPACE_ID }, 'wrong-token-0123456789'))
        .status,
    ).toBe(401);
    // Messages and ends are guarded too, whoever calls from loopback.
    expect((await api('POST', `/v1/text-sessions/${CALL_ID}/messages`, { text: 'hi' }, null)).status).toBe(401);
    expect((await api('DELETE', `/v1/text-sessions/${CALL_ID}`, undefined, null)).status).toBe(401);

    const malformed = await api('POST', '/v1/text-sessions', '{"agentId": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toContain('not valid JSON');

    const invalid = await api('POST', '/v1/text-sessions', { agentId: 'not-a-uuid', spaceId: SPACE_ID });
    expect(invalid.status).toBe(400);

    const unknownAgent = await api('POST', '/v1/text-sessions', {
      agentId: '99999999-9999-4999-8999-999999999999',
      spaceId: SPACE_ID,
    });
    expect(unknownAgent.status).toBe(404);
    // The space is not optional: a session always acts for the space its agent belongs to.
    expect((await api('POST', '/v1/text-sessions', { agentId: AGENT_ID })).status).toBe(400);

    const otherSpace = await api('POST', '/v1/text-sessions', {
      agentId: AGENT_ID,
      spaceId: '88888888-8888-4888-8888-888888888888',
    });
    expect(otherSpace.status).toBe(404);

    const emptyMessage = await api('POST', '/v1/text-sessions/00000000-0000-4000-8000-000000000000/messages', {
      text: '',
    });
    expect(emptyMessage.status).toBe(400);
    const missing = await api('POST', '/v1/text-sessions/00000000-0000-4000-8000-000000000000/messages', {
      text: 'hi',
    });
    expect(missing.status).toBe(404);

    // A message's `start` is checked like a create: its shape, and the agent's own space.
    const unknownCall = '/v1/text-sessions/00000000-0000-4000-8000-0000000000aa/messages';
    expect(
      (await api('POST', unknownCall, { text: 'hi', start: { agentId: 'not-a-uuid', spaceId: SPACE_ID } })).status,
    ).toBe(400);
    expect(
      (await api('POST', unknownCall, { text: 'hi', start: { agentId: AGENT_ID, spaceId: SPACE_ID, extra: 1 } }))
        .status,
    ).toBe(400);
    const startElsewhere = await api('POST', unknownCall, {
      text: 'hi',
      start: { agentId: AGENT_ID, spaceId: '88888888-8888-4888-8888-888888888888' },
    });
    expect(startElsewhere.status).toBe(404);
    expect((await api('POST', unknownCall, { text: 'hi' })).status).toBe(404);
  });

  it('fails with a clear reason when the LLM credential is missing, and tells control', async () => {
    const config = runtimeConfig(llmServer.url);
    const broken = { ...config, credentials: {} };
    const brokenAgentId = '66666666-6666-4666-8666-666666666666';
    control.configs.set(brokenAgentId, { ...broken, agentId: brokenAgentId });
    const callId = '77777777-7777-4777-8777-777777777777';
    const res = await api('POST', '/v1/text-sessions', { agentId: brokenAgentId, spaceId: SPACE_ID, callId });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain(`credential ${config.agent.llm.credentialId} is missing`);
    expect(control.updates.find((u) => u.callId === callId)?.update).toMatchObject({
      status: 'failed',
      endReason: 'provider_error',
      failureReason: expect.stringContaining('LLM provider openai'),
    });
  });

  it('ends the session cleanly with a failure reason when the LLM rejects the key', async () => {
    llmServer.setScript(() => ({ status: 401 }));
    const created = await api('POST', '/v1/text-sessions', { agentId: AGENT_ID, spaceId: SPACE_ID });
    const reply = await api('POST', `/v1/text-sessions/${created.body.id}/messages`, { text: 'hello?' });
    expect(reply.status).toBe(200);
    expect(reply.body.ended).toBe(true);
    expect(reply.body.endReason).toBe('provider_error');
    expect(reply.body.failureReason).toContain('401');
    llmServer.setScript((req) => ({ text: `Echo: ${lastUserText(req)}` }));
  });

  it('answers 409 to a second message while one is in flight, and 503 beyond the session limit', async () => {
    llmServer.setScript((req) => ({ text: `Echo: ${lastUserText(req)}`, delayMs: 300 }));
    const created = await api('POST', '/v1/text-sessions', { agentId: AGENT_ID, spaceId: SPACE_ID });
    const first = api('POST', `/v1/text-sessions/${created.body.id}/messages`, { text: 'one' });
    await new Promise((r) => setTimeout(r, 50));
    const second = await api('POST', `/v1/text-sessions/${created.body.id}/messages`, { text: 'two' });
    expect(second.status).toBe(409);
    expect((await first).body.reply).toBe('Echo: one');
    llmServer.setScript((req) => ({ text: `Echo: ${lastUserText(req)}` }));

    const more = [await api('POST', '/v1/text-sessions', { agentId: AGENT_ID, spaceId: SPACE_ID })];
    more.push(await api('POST', '/v1/text-sessions', { agentId: AGENT_ID, spaceId: SPACE_ID }));
    expect(more.map((r) => r.status)).toEqual([201, 201]);
    const full = await api('POST', '/v1/text-sessions', { agentId: AGENT_ID, spaceId: SPACE_ID });
    expect(full.status).toBe(503);
    expect(full.body.detail).toContain('already runs 3 text sessions');
    for (const id of [created.body.id, ...more.map((r) => r.body.id)]) {
      expect((await api('DELETE', `/v1/text-sessions/${id}`)).status).toBe(200);
    }
  });

  it('ends idle sessions and reports them as silence timeouts', async () => {
    const idleManager = new TextSessionManager({
      control: new ControlClient({
        baseUrl: control.url,
        configCacheMs: 60_000,
        tokens: new ServiceTokenSource({
          issuer: control.issuer,
          clientId: control.clientId,
          clientSecret: control.clientSecret,
        }),
      }),
      idleMs: 100,
      maxSessions: 5,
      log: () => {},
    });
    const callId = 'e0000000-0000-4000-8000-000000000001';
    await idleManager.create({ agentId: AGENT_ID, spaceId: SPACE_ID, callId }, CONTROL_CALLER);
    expect(idleManager.size).toBe(1);
    const deadline = Date.now() + 5_000;
    while (idleManager.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(idleManager.size).toBe(0);
    const lastUpdate = () => control.updates.filter((u) => u.callId === callId).at(-1)?.update;
    while (lastUpdate()?.status !== 'ended' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lastUpdate()).toEqual({
      status: 'ended',
      endReason: 'silence_timeout',
      spaceId: SPACE_ID,
      agentId: AGENT_ID,
    });
    await idleManager.drain();
  });
});
