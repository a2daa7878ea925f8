import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody } from './testing/fixtures.ts';
import { startTestControl, type TestControl } from './testing/harness.ts';

describe('bad payloads get 400 problem+json naming the failing fields, and change nothing', () => {
  let t: TestControl;
  let token: string;
  let base: string;
  let ids: { credentialId: string; agentId: string; toolId: string; phoneNumberId: string; webhookId: string };

  beforeAll(async () => {
    t = await startTestControl();
    token = await t.userToken('owner');
    const space = await t.request('POST', '/api/v1/spaces', { token, body: { name: 'Bad input' } });
    base = `/api/v1/spaces/${space.body.id}`;
    const credential = await t.request('POST', `${base}/credentials`, {
      token,
      body: { name: 'k', kind: 'openai', secret: 'x' },
    });
    const agent = await t.request('POST', `${base}/agents`, { token, body: agentBody(credential.body.id) });
    const tool = await t.request('POST', `${base}/tools`, {
      token,
      body: { name: 'lookup', description: 'x', urlTemplate: 'https://a.example/' },
    });
    const phone = await t.request('POST', `${base}/phone-numbers`, {
      token,
      body: { provider: 'twilio', number: '+14155550100', mode: 'sip', agentId: agent.body.id },
    });
    const webhook = await t.request('POST', `${base}/webhooks`, { token, body: { url: 'https://h.example/' } });
    ids = {
      credentialId: credential.body.id,
      agentId: agent.body.id,
      toolId: tool.body.id,
      phoneNumberId: phone.body.id,
      webhookId: webhook.body.id,
    };
  });
  afterAll(async () => {
    await t?.close();
  });

  const cases = (): { name: string; method: string; path: string; body: unknown; fields: string[] }[] => [
    { name: 'space without name', method: 'POST', path: '/api/v1/spaces', body: { name: '  ' }, fields: ['name'] },
    {
      name: 'space unknown field',
      method: 'POST',
      path: '/api/v1/spaces',
      body: { name: 'x', owner: 'me' },
      fields: ['owner'],
    },
    {
      name: 'space patch bad allow-list',
      method: 'PATCH',
      path: base,
      body: { toolHostAllowList: 'crm' },
      fields: ['toolHostAllowList'],
    },
    {
      name: 'member without subject',
      method: 'POST',
      path: `${base}/members`,
      body: { role: 'viewer' },
      fields: ['subject'],
    },
    {
      name: 'member bad role and email',
      method: 'POST',
      path: `${base}/members`,
      body: { subject: 's', role: 'god', email: 'nope' },
      fields: ['role', 'email'],
    },
    {
      name: 'agent with bad fields',
      method: 'POST',
      path: `${base}/agents`,
      body: { ...agentBody(ids.credentialId), prompt: '', language: 'English', limits: { maxDurationSeconds: 1 } },
      fields: ['prompt', 'language', 'limits.maxDurationSeconds'],
    },
    {
      name: 'agent with unknown provider',
      method: 'POST',
      path: `${base}/agents`,
      body: { ...agentBody(ids.credentialId), stt: { provider: 'whisper-cloud' } },
      fields: ['stt.provider'],
    },
    {
      name: 'agent with a missing credential',
      method: 'POST',
      path: `${base}/agents`,
      body: {
        ...agentBody(crypto.randomUUID()),
        tts: { provider: 'openai', model: 'tts-1', voice: 'alloy', credentialId: crypto.randomUUID() },
      },
      fields: ['llm.credentialId', 'tts.credentialId'],
    },
    {
      name: 'agent patch with a bad origin',
      method: 'PATCH',
      path: `${base}/agents/${ids.agentId}`,
      body: { widget: { allowedOrigins: ['ftp://x'] } },
      fields: ['widget.allowedOrigins.0'],
    },
    {
      name: 'agent put with nothing',
      method: 'PUT',
      path: `${base}/agents/${ids.agentId}`,
      body: {},
      fields: ['name', 'prompt', 'llm', 'stt', 'tts'],
    },
    {
      name: 'tool with bad name, url and timeout',
      method: 'POST',
      path: `${base}/tools`,
      body: { name: 'look up', description: 'x', urlTemplate: 'file:///etc/passwd', timeoutMs: 120_000 },
      fields: ['name', 'urlTemplate', 'timeoutMs'],
    },
    {
      name: 'tool with a non-object parameters schema',
      method: 'PATCH',
      path: `${base}/tools/${ids.toolId}`,
      body: { parameters: { type: 'string' } },
      fields: ['parameters.type'],
    },
    {
      name: 'tool auth without credential',
      method: 'PUT',
      path: `${base}/tools/${ids.toolId}`,
      body: { name: 'lookup', description: 'x', urlTemplate: 'https://a.example/', auth: { type: 'bearer' } },
      fields: ['auth.credentialId'],
    },
    {
      name: 'phone number not E.164',
      method: 'POST',
      path: `${base}/phone-numbers`,
      body: { provider: 'twilio', number: '415-555-0100', mode: 'sip', agentId: ids.agentId },
      fields: ['number'],
    },
    {
      name: 'VoxImplant in sip mode',
      method: 'POST',
      path: `${base}/phone-numbers`,
      body: { provider: 'voximplant', number: '+74951234567', mode: 'sip', agentId: ids.agentId },
      fields: ['mode'],
    },
    {
      name: 'phone number patch to a missing agent',
      method: 'PATCH',
      path: `${base}/phone-numbers/${ids.phoneNumberId}`,
      body: { agentId: crypto.randomUUID() },
      fields: ['agentId'],
    },
    {
      name: 'credential with empty secret and bad kind',
      method: 'POST',
      path: `${base}/credentials`,
      body: { name: 'k', kind: 'aws', secret: '' },
      fields: ['kind', 'secret'],
    },
    {
      name: 'credential patch with a secret too long',
      method: 'PATCH',
      path: `${base}/credentials/${ids.credentialId}`,
      body: { secret: 'x'.repeat(20_000) },
      fields: ['secret'],
    },
    {
      name: 'webhook with bad url and event',
      method: 'POST',
      path: `${base}/webhooks`,
      body: { url: 'javascript:alert(1)', eventTypes: ['call.exploded'] },
      fields: ['url', 'eventTypes.0'],
    },
    {
      name: 'webhook patch enabled not boolean',
      method: 'PATCH',
      path: `${base}/webhooks/${ids.webhookId}`,
      body: { enabled: 'yes' },
      fields: ['enabled'],
    },
    {
      name: 'api key with owner role',
      method: 'POST',
      path: `${base}/api-keys`,
      body: { name: 'k', role: 'owner' },
      fields: ['role'],
    },
  ];

  it('rejects each bad body with the failing field paths', async () => {
    const before = await t.database.pool.query('SELECT count(*)::int AS n FROM audit_log');
    for (const c of cases()) {
      const res = await t.request(c.method, c.path, { token, body: c.body });
      expect(res.status, c.name).toBe(400);
      expect(res.headers.get('content-type'), c.name).toContain('application/problem+json');
      const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
      expect(paths, c.name).toEqual(expect.arrayContaining(c.fields));
    }
    const after = await t.database.pool.query('SELECT count(*)::int AS n FROM audit_log');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('rejects malformed JSON, non-object bodies, oversized bodies and bad list queries', async () => {
    const malformed = await t.request('POST', `${base}/agents`, { token, rawBody: '{"name": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toContain('not valid JSON');
    const array = await t.request('POST', `${base}/tools`, { token, body: [1, 2] });
    expect(array.status).toBe(400);
    const noBody = await t.request('POST', `${base}/credentials`, { token });
    expect(noBody.status).toBe(400);
    const huge = await t.request('POST', `${base}/agents`, {
      token,
      body: { ...agentBody(ids.credentialId), prompt: 'x'.repeat(2_000_000) },
    });
    expect(huge.status).toBe(413);
    for (const query of ['limit=0', 'limit=1000', 'limit=abc', 'cursor=%%%', 'unknown=1', 'status=flying']) {
      const res = await t.request('GET', `${base}/calls?${query}`, { token });
      expect(res.status, query).toBe(400);
    }
    const lookup = await t.request('GET', '/internal/v1/phone-numbers/lookup?provider=skype&number=123', {
      token: await t.serviceToken('service:webhooks'),
    });
    expect(lookup.status).toBe(400);
    expect((lookup.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(['number', 'provider']);
  });

  it('answers 409 to duplicates and to deleting what is in use', async () => {
    const dupTool = await t.request('POST', `${base}/tools`, {
      token,
      body: { name: 'lookup', description: 'x', urlTemplate: 'https://a.example/' },
    });
    expect(dupTool.status).toBe(409);
    const dupNumber = await t.request('POST', `${base}/phone-numbers`, {
      token,
      body: { provider: 'twilio', number: '+14155550100', mode: 'stream', agentId: ids.agentId },
    });
    expect(dupNumber.status).toBe(409);
    expect((await t.request('DELETE', `${base}/agents/${ids.agentId}`, { token })).status).toBe(409);
    expect((await t.request('DELETE', `${base}/credentials/${ids.credentialId}`, { token })).status).toBe(409);
  });
});
