import { Topics } from '@speaknode/contracts';
import { type DeliveredEvent, PostgresBus } from '@speaknode/runtime/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from './context.ts';
import { OutboxRelay } from './outbox/relay.ts';
import { agentBody } from './testing/fixtures.ts';
import { startTestControl, type TestControl } from './testing/harness.ts';

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('outbox, bus, audit and internal endpoints', () => {
  let t: TestControl;
  let token: string;
  let spaceId: string;
  let base: string;
  const delivered: DeliveredEvent[] = [];
  let stopSubscription: () => Promise<void>;

  beforeAll(async () => {
    t = await startTestControl();
    const sub = await t.control.ctx.bus.subscribe({
      group: 'test-observer',
      topics: [Topics.controlEvents],
      handler: async (d) => {
        delivered.push(d);
      },
    });
    stopSubscription = () => sub.stop();
    token = await t.userToken('olga', { email: 'olga@example.com' });
    const space = await t.request('POST', '/api/v1/spaces', { token, body: { name: 'Events' } });
    spaceId = space.body.id;
    base = `/api/v1/spaces/${spaceId}`;
  });
  afterAll(async () => {
    await stopSubscription?.();
    await t?.close();
  });

  it('publishes every change to the bus through the outbox, with the space and the resource as key', async () => {
    const tool = await t.request('POST', `${base}/tools`, {
      token,
      body: { name: 'crm', description: 'CRM', urlTemplate: 'https://crm.example/{id}' },
    });
    const event = await until(() =>
      delivered.find((d) => d.event.type === 'resource.changed' && d.key === tool.body.id),
    );
    expect(event.event).toMatchObject({
      source: 'control',
      spaceId,
      subject: tool.body.id,
      data: { resource: 'tool', resourceId: tool.body.id, action: 'created' },
    });
    await until(async () => {
      const { rows } = await t.database.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
      return rows[0].n === 0 ? true : undefined;
    });
  });

  it('writes no event and no audit entry for a change that failed', async () => {
    const { rows: before } = await t.database.pool.query('SELECT count(*)::int AS n FROM outbox');
    const dup = await t.request('POST', `${base}/tools`, {
      token,
      body: { name: 'crm', description: 'dup', urlTemplate: 'https://crm.example/' },
    });
    expect(dup.status).toBe(409);
    const { rows: after } = await t.database.pool.query('SELECT count(*)::int AS n FROM outbox');
    expect(after[0].n).toBe(before[0].n);
  });

  it('keeps events that could not be published and publishes them when the bus is back', async () => {
    const pool = t.database.pool;
    await t.control.relay.stop();
    let failing = true;
    const real = await PostgresBus.open(pool, { pollMs: 50 });
    const flaky = {
      ...real,
      publish: async (...args: Parameters<typeof real.publish>) => {
        if (failing) throw new Error('bus down');
        return real.publish(...args);
      },
      subscribe: real.subscribe.bind(real),
      ping: real.ping.bind(real),
      close: real.close.bind(real),
    };
    const relay = new OutboxRelay(pool, flaky, silentLogger);
    const credential = await t.request('POST', `${base}/credentials`, {
      token,
      body: { name: 'k', kind: 'generic', secret: 'zzzzzzzzzzzzzzzzzzzz' },
    });
    await expect(relay.runOnce()).rejects.toThrow('bus down');
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
    expect(rows[0].n).toBeGreaterThan(0);
    failing = false;
    expect(await relay.runOnce()).toBeGreaterThan(0);
    await until(() => delivered.find((d) => d.key === credential.body.id));
    await relay.stop();
    t.control.relay.start();
  });

  it('records who changed what with before/after, secrets masked, readable per space', async () => {
    const tool = await t.request('POST', `${base}/tools`, {
      token,
      body: {
        name: 'billing',
        description: 'Billing',
        urlTemplate: 'https://billing.example/',
        headers: { Authorization: 'Bearer hunter2-very-secret', 'X-Team': 'a' },
      },
    });
    await t.request('PATCH', `${base}/tools/${tool.body.id}`, { token, body: { description: 'Billing v2' } });
    const audit = await t.request('GET', `${base}/audit?resourceId=${tool.body.id}`, { token });
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['updated', 'created']);
    const [updated] = audit.body.items;
    expect(updated).toMatchObject({
      resource: 'tool',
      actor: { type: 'user', label: 'olga@example.com', role: 'owner' },
      before: { description: 'Billing' },
      after: { description: 'Billing v2', headers: { Authorization: '***', 'X-Team': 'a' } },
    });
    expect(JSON.stringify(audit.body)).not.toContain('hunter2');
    const creds = await t.request('GET', `${base}/audit?resource=credential`, { token });
    expect(creds.body.items.length).toBeGreaterThan(0);
    expect(JSON.stringify(creds.body)).not.toContain('zzzzzzzzzzzz');
  });

  it('serves the internal endpoints: number lookup, runtime config with versions, calls and call updates', async () => {
    const twilio = await t.request('POST', `${base}/credentials`, {
      token,
      body: { name: 'Twilio', kind: 'twilio', secret: 'twilio-auth-token-123', settings: { accountSid: 'AC1' } },
    });
    const llmKey = await t.request('POST', `${base}/credentials`, {
      token,
      body: { name: 'LLM', kind: 'openai', secret: 'llm-secret-key-0000' },
    });
    const shopKey = await t.request('POST', `${base}/credentials`, {
      token,
      body: { name: 'Shop', kind: 'http-tool', secret: 'shop-api-key-0000' },
    });
    const tool = await t.request('POST', `${base}/tools`, {
      token,
      body: {
        name: 'orders',
        description: 'Orders',
        urlTemplate: 'https://shop.example/{id}',
        auth: { type: 'header', header: 'X-Api-Key', credentialId: shopKey.body.id },
      },
    });
    const agent = await t.request('POST', `${base}/agents`, {
      token,
      body: agentBody(llmKey.body.id, { toolIds: [tool.body.id] }),
    });
    await t.request('POST', `${base}/phone-numbers`, {
      token,
      body: {
        provider: 'twilio',
        number: '+14155550123',
        mode: 'stream',
        agentId: agent.body.id,
        credentialId: twilio.body.id,
      },
    });
    const webhooks = await t.serviceToken('service:webhooks');
    const lookup = await t.request('GET', '/internal/v1/phone-numbers/lookup?provider=twilio&number=%2B14155550123', {
      token: webhooks,
    });
    expect(lookup).toMatchObject({
      status: 200,
      body: {
        spaceId,
        agentId: agent.body.id,
        mode: 'stream',
        accountSecret: 'twilio-auth-token-123',
        accountSettings: { accountSid: 'AC1' },
      },
    });

    const agentToken = await t.serviceToken('service:agent');
    const config1 = await t.request('GET', `/internal/v1/agents/${agent.body.id}/runtime-config`, {
      token: agentToken,
    });
    expect(config1.status).toBe(200);
    expect(Object.keys(config1.body.credentials).sort()).toEqual([llmKey.body.id, shopKey.body.id].sort());
    expect(config1.body.tools[0]).toMatchObject({ id: tool.body.id, name: 'orders' });
    await t.request('PATCH', `${base}/tools/${tool.body.id}`, { token, body: { timeoutMs: 5000 } });
    const config2 = await t.request('GET', `/internal/v1/agents/${agent.body.id}/runtime-config`, {
      token: agentToken,
    });
    expect(Number(config2.body.version)).toBeGreaterThan(Number(config1.body.version));
    expect(config2.body.tools[0].timeoutMs).toBe(5000);
    expect(
      (await t.request('GET', `/internal/v1/agents/${crypto.randomUUID()}/runtime-config`, { token: agentToken }))
        .status,
    ).toBe(404);

    const callId = crypto.randomUUID();
    await t.database.pool.query(
      "INSERT INTO calls (id, space_id, agent_id, channel, status, room_name, provider) VALUES ($1, $2, $3, 'phone', 'created', 'room-1', 'twilio')",
      [callId, spaceId, agent.body.id],
    );
    const summary = await t.request('GET', `/internal/v1/calls/${callId}`, { token: webhooks });
    expect(summary.body).toMatchObject({ callId, spaceId, status: 'created', roomName: 'room-1' });
    const update = (body: unknown) =>
      t.request('POST', `/internal/v1/calls/${callId}/updates`, { token: webhooks, body });
    expect((await update({ status: 'in_progress', providerCallId: 'CA123' })).status).toBe(204);
    expect((await update({ status: 'in_progress' })).status).toBe(204);
    expect((await update({ status: 'ended', endReason: 'caller_hangup' })).status).toBe(204);
    expect((await update({ status: 'in_progress' })).status).toBe(409);
    expect((await update({ status: 'sideways' })).status).toBe(400);
    expect(
      (
        await t.request('POST', `/internal/v1/calls/${crypto.randomUUID()}/updates`, {
          token: webhooks,
          body: { status: 'ended' },
        })
      ).status,
    ).toBe(404);
    const call = await t.request('GET', `${base}/calls/${callId}`, { token });
    expect(call.body).toMatchObject({ status: 'ended', providerCallId: 'CA123', endReason: 'caller_hangup' });
    expect(call.body.endedAt).not.toBeNull();
    const types = (await until(() => {
      const seen = delivered.filter((d) => d.key === callId).map((d) => d.event.type);
      return seen.includes('call.ended') ? seen : undefined;
    })) as string[];
    expect(types).toEqual(['call.status_changed', 'call.started', 'call.status_changed', 'call.ended']);
    const list = await t.request('GET', `${base}/calls?status=ended&channel=phone`, { token });
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([callId]);
  });
});
