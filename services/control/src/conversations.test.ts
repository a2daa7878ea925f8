import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createEvent, LivekitWebhook, Topics } from '@speaknode/contracts';
import { AccessToken, TokenVerifier, WebhookReceiver } from 'livekit-server-sdk';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLivekitServer } from './livekit/testing/fake-livekit-server.ts';
import { agentBody } from './testing/fixtures.ts';
import { startTestControl, type TestControl } from './testing/harness.ts';
import { type LocalHttpServer, startLocalHttpServer } from './testing/local-http-server.ts';

const LK_KEY = 'APIconversations';
const LK_SECRET = 'conversations-secret-conversations-x';
const LAGO_KEY = 'lago-key-for-tests';
const ORIGIN = 'https://shop.example.com';

/** A customer endpoint (Standard Webhooks receiver) and Lago's events API, on one local server. */
class Receivers {
  webhooks: { headers: IncomingHttpHeaders; body: string }[] = [];
  lago = new Map<string, Record<string, unknown>>();
  /** Lago's subscriptions by external id, and the invoices of each customer. */
  lagoSubscriptions = new Map<string, Record<string, unknown>>();
  lagoInvoices = new Map<string, Record<string, unknown>[]>();
  lagoReadsFail = false;
  private server!: LocalHttpServer;
  url = '';
  async start() {
    this.server = await startLocalHttpServer((req, body, res) => {
      if (req.url === '/hooks') {
        this.webhooks.push({ headers: req.headers, body });
        return res.writeHead(204).end();
      }
      if (req.url === '/api/v1/events' && req.headers.authorization === `Bearer ${LAGO_KEY}`) {
        const event = JSON.parse(body).event;
        if (this.lago.has(event.transaction_id)) {
          return res
            .writeHead(422, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: 422, error_details: { transaction_id: ['value_already_exist'] } }));
        }
        this.lago.set(event.transaction_id, event);
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ event }));
      }
      const url = new URL(req.url ?? '/', 'http://lago');
      if (req.method === 'GET' && req.headers.authorization === `Bearer ${LAGO_KEY}`) {
        const json = (status: number, value: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
        if (this.lagoReadsFail) return json(500, { status: 500, error: 'Internal Server Error' });
        const subscription = url.pathname.match(/^\/api\/v1\/subscriptions\/([^/]+)$/);
        if (subscription) {
          const found = this.lagoSubscriptions.get(decodeURIComponent(subscription[1]!));
          return found
            ? json(200, { subscription: found })
            : json(404, { status: 404, code: 'subscription_not_found' });
        }
        if (url.pathname === '/api/v1/invoices') {
          return json(200, {
            invoices: this.lagoInvoices.get(url.searchParams.get('external_customer_id') ?? '') ?? [],
          });
        }
      }
      res.writeHead(404).end();
    });
    this.url = `${this.server.url}`;
    return this;
  }
  async stop() {
    await this.server.close();
  }
}

async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let t: TestControl;
let livekit: FakeLivekitServer;
let receivers: Receivers;
let owner: string;
let spaceId: string;
let agent: { id: string; publishableKey: string };
let webhookSecret: string;
let webhookId: string;

beforeAll(async () => {
  livekit = await new FakeLivekitServer(LK_KEY, LK_SECRET).start();
  receivers = await new Receivers().start();
  t = await startTestControl({
    env: {
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LAGO_API_URL: receivers.url,
      LAGO_API_KEY: LAGO_KEY,
    },
    start: { settings: { deliveryPollMs: 100, meteringPollMs: 100 } },
  });
  owner = await t.userToken('olga');
  spaceId = (await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Shop' } })).body.id;
  const credential = await t.request('POST', `/api/v1/spaces/${spaceId}/credentials`, {
    token: owner,
    body: { name: 'Keys', kind: 'openai', secret: 'sk-test-1234567890' },
  });
  const created = await t.request('POST', `/api/v1/spaces/${spaceId}/agents`, {
    token: owner,
    body: agentBody(credential.body.id, {
      greeting: 'Hello! How can I help?',
      widget: { allowedOrigins: [ORIGIN], appearance: { title: 'Help', accentColor: '#3355ff' } },
    }),
  });
  expect(created.status).toBe(201);
  agent = created.body;
  // The receivers listen on loopback: the space allow-lists it for its webhooks (https only otherwise).
  await t.request('PATCH', `/api/v1/spaces/${spaceId}`, {
    token: owner,
    body: { webhookHostAllowList: ['127.0.0.1'] },
  });
  const hook = await t.request('POST', `/api/v1/spaces/${spaceId}/webhooks`, {
    token: owner,
    body: {
      url: `${receivers.url}/hooks`,
      eventTypes: ['call.started', 'call.ended', 'call.transcript.ready', 'usage.updated'],
    },
  });
  expect(hook.status).toBe(201);
  webhookSecret = hook.body.secret;
  webhookId = hook.body.id;
});
afterAll(async () => {
  await t?.close();
  await livekit?.stop();
  await receivers?.stop();
});

async function livekitEvent(event: Record<string, unknown>) {
  const body = JSON.stringify({ id: randomUUID(), createdAt: String(Math.floor(Date.now() / 1000)), ...event });
  const token = new AccessToken(LK_KEY, LK_SECRET);
  token.sha256 = createHash('sha256').update(body).digest('base64');
  const received = await new WebhookReceiver(LK_KEY, LK_SECRET).receive(body, await token.toJwt());
  const envelope = createEvent(LivekitWebhook, {
    source: 'webhooks',
    subject: received.room?.name ?? 'x',
    data: { event: received.event, payload: received.toJson() as Record<string, unknown> },
  });
  await t.control.ctx.bus.publish(Topics.webhooksLivekit, [envelope]);
}

const callStatus = async (callId: string) =>
  (await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${callId}`, { token: owner })).body.status as string;

describe('test sessions', () => {
  it('give an editor a call and a LiveKit token carrying the agent dispatch', async () => {
    const livekitCallsBefore = livekit.calls.length;
    const res = await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${agent.id}/test-sessions`, { token: owner });
    expect(res.status).toBe(201);
    expect(res.body.serverUrl).toBe(livekit.url.replace('http://', 'ws://'));
    const claims = await new TokenVerifier(LK_KEY, LK_SECRET).verify(res.body.token);
    expect(claims.video).toMatchObject({
      roomJoin: true,
      room: `call-${res.body.callId}`,
      canPublishSources: ['microphone'],
    });
    const dispatch = (claims.roomConfig as unknown as { agents: { agentName: string; metadata: string }[] }).agents[0]!;
    expect(JSON.parse(dispatch.metadata)).toEqual({
      callId: res.body.callId,
      agentId: agent.id,
      spaceId,
      channel: 'test',
    });
    expect(await callStatus(res.body.callId)).toBe('created');
    // The room exists before the token is handed out, with the same dispatch in its configuration.
    const calls = livekit.calls.slice(livekitCallsBefore);
    expect(calls.map((c) => c.method)).toEqual(['livekit.RoomService/CreateRoom']);
    const created = calls[0]!.body as { name: string; agents: { agentName: string; metadata: string }[] };
    expect(created.name).toBe(`call-${res.body.callId}`);
    expect(created.agents.map((a) => [a.agentName, JSON.parse(a.metadata)])).toEqual([
      ['speaknode-agent', JSON.parse(dispatch.metadata)],
    ]);
    expect(livekit.rooms.has(`call-${res.body.callId}`)).toBe(true);
  });

  it('answer 503 and hand out no token when LiveKit cannot create the room', async () => {
    livekit.down = true;
    try {
      const res = await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${agent.id}/test-sessions`, {
        token: owner,
      });
      expect(res.status).toBe(503);
      expect(res.body.token).toBeUndefined();
    } finally {
      livekit.down = false;
    }
  });

  it('are refused to viewers, to other spaces, to unknown agents and without a token', async () => {
    const viewer = await t.userToken('victor');
    await t.request('GET', '/api/v1/spaces', { token: viewer }); // first sight creates the user
    expect(
      (
        await t.request('POST', `/api/v1/spaces/${spaceId}/members`, {
          token: owner,
          body: { subject: 'victor', role: 'viewer' },
        })
      ).status,
    ).toBe(201);
    expect(
      (await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${agent.id}/test-sessions`, { token: viewer })).status,
    ).toBe(403);
    const stranger = await t.userToken('mallory');
    const other = (await t.request('POST', '/api/v1/spaces', { token: stranger, body: { name: 'Other' } })).body.id;
    expect(
      (await t.request('POST', `/api/v1/spaces/${other}/agents/${agent.id}/test-sessions`, { token: stranger })).status,
    ).toBe(404);
    expect(
      (await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${agent.id}/test-sessions`, { token: stranger }))
        .status,
    ).toBe(404);
    expect(
      (await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${randomUUID()}/test-sessions`, { token: owner }))
        .status,
    ).toBe(404);
    expect((await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${agent.id}/test-sessions`)).status).toBe(401);
  });
});

describe('widget endpoints', () => {
  const sessions = (key: string, headers: Record<string, string> = { origin: ORIGIN }) =>
    t.request('POST', `/api/v1/public/agents/${key}/sessions`, { headers });

  it('show only what the widget renders', async () => {
    const res = await t.request('GET', `/api/v1/public/agents/${agent.publishableKey}`, {
      headers: { origin: ORIGIN },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: 'Front desk',
      greeting: 'Hello! How can I help?',
      voiceEnabled: true,
      textEnabled: true,
      appearance: { title: 'Help', accentColor: '#3355ff', position: 'bottom-right' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect((await t.request('GET', '/api/v1/public/agents/pk_doesnotexist_000000')).status).toBe(404);
    expect((await t.request('GET', '/api/v1/public/agents/not-a-key')).status).toBe(404);
  });

  it('create a visitor session from an allowed origin with a random identity', async () => {
    const first = await sessions(agent.publishableKey);
    expect(first.status).toBe(201);
    expect(first.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const second = await sessions(agent.publishableKey);
    const [a, b] = await Promise.all(
      [first, second].map((r) => new TokenVerifier(LK_KEY, LK_SECRET).verify(r.body.token)),
    );
    expect(a!.sub).toMatch(/^visitor-/);
    expect(a!.sub).not.toBe(b!.sub);
    expect((a!.exp ?? 0) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(600);
    const preflight = await t.request('OPTIONS', `/api/v1/public/agents/${agent.publishableKey}/sessions`, {
      headers: { origin: ORIGIN },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
  });

  it('refuse a missing or foreign origin and an unknown key', async () => {
    const noOrigin = await sessions(agent.publishableKey, {});
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.body.detail).toMatch(/Origin header is required/);
    const foreign = await sessions(agent.publishableKey, { origin: 'https://evil.example.net' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect((await sessions('pk_unknownunknownunknown')).status).toBe(404);
  });

  it('limit sessions per IP and per agent with 429 and Retry-After', async () => {
    const settings = t.control.ctx.settings;
    const saved = { ...settings };
    try {
      await t.control.ctx.store.delete('widget:ip:127.0.0.1');
      settings.perIp = { limit: 2, windowMs: 60_000 };
      expect((await sessions(agent.publishableKey)).status).toBe(201);
      expect((await sessions(agent.publishableKey)).status).toBe(201);
      const limited = await sessions(agent.publishableKey);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.body.detail).toMatch(/too many sessions from your address/);

      settings.perIp = { limit: 1000, windowMs: 60_000 };
      await t.control.ctx.store.delete(`widget:agent:${agent.id}`);
      settings.perAgent = { limit: 1, windowMs: 60_000 };
      expect((await sessions(agent.publishableKey)).status).toBe(201);
      const agentLimited = await sessions(agent.publishableKey);
      expect(agentLimited.status).toBe(429);
      expect(agentLimited.body.detail).toMatch(/too many sessions for this agent/);
    } finally {
      Object.assign(settings, saved);
      await t.control.ctx.store.delete(`widget:agent:${agent.id}`);
      await t.control.ctx.store.delete('widget:ip:127.0.0.1');
    }
  });
});

describe('a widget conversation end to end', () => {
  it('moves through its states from LiveKit events, keeps the transcript, meters usage and tells subscribers', async () => {
    const session = await t.request('POST', `/api/v1/public/agents/${agent.publishableKey}/sessions`, {
      headers: { origin: ORIGIN },
    });
    const callId = session.body.callId as string;
    const room = `call-${callId}`;
    await livekitEvent({
      event: 'participant_joined',
      room: { name: room },
      participant: { identity: 'visitor-x', kind: 'STANDARD' },
    });
    await eventually(async () => (await callStatus(callId)) === 'in_progress', 'in_progress');

    const agentToken = await t.serviceToken('service:agent');
    const turns = [
      { speaker: 'agent', text: 'Hello! How can I help?', startedAt: new Date().toISOString() },
      { speaker: 'user', text: 'When are you open?', startedAt: new Date().toISOString() },
    ];
    const scope = { spaceId, agentId: agent.id };
    const post = (body: object, token = agentToken) =>
      t.request('POST', `/internal/v1/calls/${callId}/transcript`, { token, body: { ...body, ...scope } });
    expect((await post({ sequence: 0, turns })).status).toBe(204);
    expect((await post({ sequence: 0, turns })).status).toBe(204); // a retried post
    const gap = await post({ sequence: 5, turns });
    expect(gap.status).toBe(409);
    expect(gap.body.detail).toMatch(/post sequence 2 next/);
    expect((await post({ sequence: 2, turns: [] })).status).toBe(400);
    expect((await post({ sequence: 2, turns }, await t.serviceToken('service:bridge'))).status).toBe(403);
    expect((await post({ sequence: 2, turns }, owner)).status).toBe(403);

    const usage = {
      callSeconds: 61,
      sttSeconds: 20,
      ttsCharacters: 300,
      llmPromptTokens: 500,
      llmCompletionTokens: 80,
      toolCalls: 1,
    };
    const report = (body: object) =>
      t.request('POST', `/internal/v1/calls/${callId}/usage`, { token: agentToken, body: { ...body, ...scope } });
    expect((await report(usage)).status).toBe(204);
    expect((await report(usage)).status).toBe(204);
    expect((await report({ ...usage, callSeconds: 99 })).status).toBe(409);
    expect((await report({ callSeconds: -1 })).status).toBe(400);

    await livekitEvent({
      event: 'participant_left',
      room: { name: room },
      participant: { identity: 'visitor-x', kind: 'STANDARD' },
    });
    await eventually(async () => (await callStatus(callId)) === 'ended', 'ended');

    const detail = await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${callId}`, { token: owner });
    expect(detail.body).toMatchObject({
      id: callId,
      channel: 'widget',
      status: 'ended',
      endReason: 'caller_hangup',
      usage,
    });
    expect(detail.body.transcript.map((turn: { text: string }) => turn.text)).toEqual([
      'Hello! How can I help?',
      'When are you open?',
    ]);
    expect(detail.body.events.map((e: { detail: string }) => e.detail)).toEqual([
      'created → in_progress',
      'in_progress → ended (caller_hangup)',
    ]);

    // Lago gets each metric once, keyed by the call id.
    await eventually(
      async () => [...receivers.lago.keys()].filter((k) => k.startsWith(callId)).length === 5,
      'Lago events',
    );
    expect(receivers.lago.get(`${callId}:call_minutes`)).toMatchObject({
      external_subscription_id: spaceId,
      code: 'call_minutes',
    });
    const callUsage = await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${callId}/usage`, { token: owner });
    await eventually(async () => {
      const body = (await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${callId}/usage`, { token: owner })).body;
      return body.billing.length === 5 && body.billing.every((b: { status: string }) => b.status === 'sent');
    }, 'billing rows sent');
    expect(callUsage.body.usage).toEqual(usage);
    const spaceUsage = await t.request('GET', `/api/v1/spaces/${spaceId}/usage`, { token: owner });
    expect(spaceUsage.body.totals).toMatchObject({ callSeconds: 61, llmPromptTokens: 500 });
    expect(spaceUsage.body.byAgent).toEqual([{ agentId: agent.id, calls: 1, usage }]);
    // The plan and invoices come from Lago: none until it has a subscription for the space.
    const billingOf = async () => (await t.request('GET', `/api/v1/spaces/${spaceId}/billing`, { token: owner })).body;
    expect(await billingOf()).toEqual({ lagoConfigured: true, subscription: null, invoices: [], error: null });
    receivers.lagoSubscriptions.set(spaceId, {
      external_id: spaceId,
      external_customer_id: 'cust-shop',
      plan_code: 'pro',
      plan: { name: 'Pro' },
      status: 'active',
      started_at: '2026-01-01T00:00:00Z',
    });
    receivers.lagoInvoices.set('cust-shop', [
      {
        lago_id: 'inv-1',
        number: 'SHOP-001',
        issuing_date: '2026-02-01',
        status: 'finalized',
        payment_status: 'succeeded',
        total_amount_cents: 4200,
        currency: 'EUR',
        file_url: null,
      },
    ]);
    expect(await billingOf()).toEqual({
      lagoConfigured: true,
      subscription: {
        externalId: spaceId,
        externalCustomerId: 'cust-shop',
        planCode: 'pro',
        planName: 'Pro',
        status: 'active',
        startedAt: '2026-01-01T00:00:00Z',
      },
      invoices: [
        {
          id: 'inv-1',
          number: 'SHOP-001',
          issuingDate: '2026-02-01',
          status: 'finalized',
          paymentStatus: 'succeeded',
          totalAmountCents: 4200,
          currency: 'EUR',
          fileUrl: null,
        },
      ],
      error: null,
    });
    receivers.lagoReadsFail = true;
    expect(await billingOf()).toMatchObject({
      lagoConfigured: true,
      subscription: null,
      error: expect.stringMatching(/^Lago answered 500/),
    });
    receivers.lagoReadsFail = false;
    expect((await t.request('GET', `/api/v1/spaces/${spaceId}/usage?from=yesterday`, { token: owner })).status).toBe(
      400,
    );

    // The subscriber got signed call.started, call.ended, call.transcript.ready and usage.updated.
    const types = await eventually(async () => {
      const mine = receivers.webhooks
        .map(
          (w) =>
            new Webhook(webhookSecret).verify(w.body, w.headers as Record<string, string>) as {
              type: string;
              data: { callId: string };
            },
        )
        .filter((p) => p.data.callId === callId)
        .map((p) => p.type)
        .sort();
      return mine.length === 4 ? mine : undefined;
    }, 'outbound webhooks');
    expect(types).toEqual(['call.ended', 'call.started', 'call.transcript.ready', 'usage.updated']);
    // The receiver has the event; the delivery is recorded once its answer is back.
    const message = await eventually(async () => {
      const messages = await t.request('GET', `/api/v1/spaces/${spaceId}/webhooks/${webhookId}/messages?limit=50`, {
        token: owner,
      });
      expect(messages.status).toBe(200);
      const found = messages.body.items.find(
        (m: { eventType: string; payload: { data: { callId: string } } }) =>
          m.eventType === 'call.ended' && m.payload.data.callId === callId,
      );
      return found?.status === 'delivered' ? found : undefined;
    }, 'call.ended recorded as delivered');
    const one = await t.request('GET', `/api/v1/spaces/${spaceId}/webhooks/${webhookId}/messages/${message.id}`, {
      token: owner,
    });
    expect(one.body.attemptLog).toEqual([expect.objectContaining({ outcome: 'delivered', statusCode: 204 })]);
    const replay = await t.request(
      'POST',
      `/api/v1/spaces/${spaceId}/webhooks/${webhookId}/messages/${message.id}/replay`,
      { token: owner },
    );
    expect(replay.status).toBe(202);
    await eventually(async () => {
      const again = await t.request('GET', `/api/v1/spaces/${spaceId}/webhooks/${webhookId}/messages/${message.id}`, {
        token: owner,
      });
      return again.body.attemptLog.length === 2;
    }, 'replayed delivery');
    const viewer = await t.userToken('victor');
    expect(
      (await t.request('GET', `/api/v1/spaces/${spaceId}/webhooks/${webhookId}/messages`, { token: viewer })).status,
    ).toBe(403);
  });
});

describe('tenant isolation of the conversation routes', () => {
  it('answers 404 to another space, and to this space for another space’s ids', async () => {
    const session = await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${agent.id}/test-sessions`, {
      token: owner,
    });
    const callId = session.body.callId as string;
    const messageId = randomUUID();
    const routes = [
      ['GET', `/calls/${callId}`],
      ['GET', `/calls/${callId}/transcript`],
      ['GET', `/calls/${callId}/events`],
      ['GET', `/calls/${callId}/usage`],
      ['GET', `/calls/${callId}/recording`],
      ['GET', `/webhooks/${webhookId}/messages`],
      ['GET', `/webhooks/${webhookId}/messages/${messageId}`],
      ['POST', `/webhooks/${webhookId}/messages/${messageId}/replay`],
      ['POST', `/agents/${agent.id}/test-sessions`],
    ] as const;
    const mallory = await t.userToken('mallory-2');
    const other = (await t.request('POST', '/api/v1/spaces', { token: mallory, body: { name: 'Elsewhere' } })).body.id;
    for (const [method, path] of routes) {
      const foreign = await t.request(method, `/api/v1/spaces/${spaceId}${path}`, { token: mallory });
      expect(foreign.status, `${method} ${path} from another space`).toBe(404);
      const crossed = await t.request(method, `/api/v1/spaces/${other}${path}`, { token: mallory });
      expect(crossed.status, `${method} ${path} with this space’s ids in another space`).toBe(404);
    }
  });
});

describe('LiveKit SIP kept in step with the numbers', () => {
  it('creates a trunk and dispatch rule when a SIP-mode number is added, and removes them when it goes', async () => {
    const number = await t.request('POST', `/api/v1/spaces/${spaceId}/phone-numbers`, {
      token: owner,
      body: { provider: 'twilio', number: '+14155550199', mode: 'sip', agentId: agent.id },
    });
    expect(number.status).toBe(201);
    const trunk = await eventually(
      async () => livekit.trunks.find((tr) => tr.numbers.includes('+14155550199')),
      'SIP trunk',
    );
    expect(JSON.parse(trunk.metadata)).toMatchObject({ phoneNumberId: number.body.id, agentId: agent.id, spaceId });
    expect(livekit.rules.some((r) => r.trunkIds.includes(trunk.sipTrunkId))).toBe(true);
    expect(
      (await t.request('DELETE', `/api/v1/spaces/${spaceId}/phone-numbers/${number.body.id}`, { token: owner })).status,
    ).toBe(204);
    await eventually(
      async () => !livekit.trunks.some((tr) => tr.numbers.includes('+14155550199')),
      'SIP trunk removed',
    );
    expect(livekit.rules).toHaveLength(0);
  });
});

describe('internal participant tokens and recordings', () => {
  it('give the bridge a token for the call room without a dispatch, and refuse others', async () => {
    const session = await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${agent.id}/test-sessions`, {
      token: owner,
    });
    const callId = session.body.callId;
    const ask = async (
      role: 'service:bridge' | 'service:agent',
      body: unknown = { identity: `phone-${callId}`, attributes: { 'sip.phoneNumber': '+15551234567' } },
    ) =>
      t.request('POST', `/internal/v1/calls/${callId}/participant-token`, { token: await t.serviceToken(role), body });
    const res = await ask('service:bridge');
    expect(res.status).toBe(200);
    const claims = await new TokenVerifier(LK_KEY, LK_SECRET).verify(res.body.token);
    expect(claims).toMatchObject({ sub: `phone-${callId}`, attributes: { 'sip.phoneNumber': '+15551234567' } });
    expect(claims.roomConfig).toBeUndefined();
    expect((await ask('service:agent')).status).toBe(403);
    expect((await ask('service:bridge', { identity: '' })).status).toBe(400);
    expect(
      (
        await t.request('POST', `/internal/v1/calls/${randomUUID()}/participant-token`, {
          token: await t.serviceToken('service:bridge'),
          body: { identity: 'x' },
        })
      ).status,
    ).toBe(404);
    await t.database.pool.query("UPDATE calls SET status = 'ended' WHERE id = $1", [callId]);
    expect((await ask('service:bridge')).status).toBe(409);
  });

  it('wait briefly for a phone call the bridge knows before control has consumed its incoming event', async () => {
    const callId = randomUUID();
    setTimeout(() => {
      void t.database.pool.query(
        `INSERT INTO calls (id, space_id, agent_id, channel, status, room_name) VALUES ($1, $2, $3, 'phone', 'ringing', $4)`,
        [callId, spaceId, agent.id, `call-${callId}`],
      );
    }, 800);
    const res = await t.request('POST', `/internal/v1/calls/${callId}/participant-token`, {
      token: await t.serviceToken('service:bridge'),
      body: { identity: `phone-${callId}` },
    });
    expect(res.status).toBe(200);
    expect(res.body.callId).toBe(callId);
  });

  it('hand out a short-lived link to a recording in the local directory', async () => {
    const session = await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${agent.id}/test-sessions`, {
      token: owner,
    });
    const callId = session.body.callId;
    expect(
      (await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${callId}/recording`, { token: owner })).status,
    ).toBe(404);
    const key = `recordings/${spaceId}/${callId}.ogg`;
    await t.control.ctx.objectStore.put(key, 'OggS-audio', 'audio/ogg');
    await t.database.pool.query('UPDATE calls SET recording_key = $2 WHERE id = $1', [callId, key]);
    const link = await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${callId}/recording`, { token: owner });
    expect(link.status).toBe(200);
    const download = await fetch(new URL(link.body.url, t.url));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('audio/ogg');
    expect(await download.text()).toBe('OggS-audio');
    const tampered = new URL(link.body.url, t.url);
    tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 3600));
    expect((await fetch(tampered)).status).toBe(403);
    const stranger = await t.userToken('mallory');
    expect(
      (await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${callId}/recording`, { token: stranger })).status,
    ).toBe(404);
  });
});
