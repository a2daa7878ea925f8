import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody } from '../testing/fixtures.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';

/** A configuration that cannot work is refused when saved: 422 naming the field, nothing stored. */
describe('configurations that cannot run are refused at save', () => {
  let t: TestControl;
  let owner: string;
  let base: string;
  let credentialId: string;

  beforeAll(async () => {
    t = await startTestControl();
    owner = await t.userToken('config-owner');
    base = `/api/v1/spaces/${(await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'C' } })).body.id}`;
    credentialId = (
      await t.request('POST', `${base}/credentials`, {
        token: owner,
        body: { name: 'k', kind: 'openai', secret: 'sk-test-1234567890' },
      })
    ).body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const expect422 = async (res: Awaited<ReturnType<TestControl['request']>>, path: string, message: RegExp) => {
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.errors).toEqual([{ path, message: expect.stringMatching(message) }]);
  };

  it.each([
    ['https://{host}/x', /not the scheme, host or port/],
    ['https://api.example.com:{port}/x', /not the scheme, host or port/],
    ['https://{sub}.example.com/x', /not the scheme, host or port/],
    ['http://user@{host}/x', /not the scheme, host or port/],
  ])('a tool URL template %s', async (urlTemplate, message) => {
    const res = await t.request('POST', `${base}/tools`, {
      token: owner,
      body: { name: 'steer', description: 'x', urlTemplate },
    });
    await expect422(res, 'urlTemplate', message);
  });

  it('accepts placeholders in the path and query, and refuses a PATCH that moves one into the host', async () => {
    const tool = await t.request('POST', `${base}/tools`, {
      token: owner,
      body: { name: 'fine', description: 'x', urlTemplate: 'https://api.example.com/c/{id}?q={q}' },
    });
    expect(tool.status).toBe(201);
    const patch = await t.request('PATCH', `${base}/tools/${tool.body.id}`, {
      token: owner,
      body: { urlTemplate: 'https://{id}.example.com/' },
    });
    await expect422(patch, 'urlTemplate', /host/);
  });

  it('an LLM with neither baseUrl nor credential', async () => {
    const body = agentBody(credentialId, { llm: { provider: 'openai-compatible', model: 'gpt-4o-mini' } });
    await expect422(
      await t.request('POST', `${base}/agents`, { token: owner, body }),
      'llm.credentialId',
      /llm.baseUrl/,
    );
  });

  it('a TTS provider the agent worker cannot run', async () => {
    const body = agentBody(credentialId, { tts: { provider: 'cartesia', model: 'sonic', voice: 'v', credentialId } });
    await expect422(await t.request('POST', `${base}/agents`, { token: owner, body }), 'tts.provider', /cartesia/);
    const list = await t.request('GET', `${base}/agents`, { token: owner });
    expect(list.body.items).toEqual([]);
  });

  it('a credential of a kind its use cannot read, wherever it is referenced', async () => {
    const make = async (kind: string) =>
      (
        await t.request('POST', `${base}/credentials`, {
          token: owner,
          body: {
            name: kind,
            kind,
            secret: `secret-of-${kind}-0000`,
            settings: kind === 'twilio' ? { accountSid: 'AC1' } : {},
          },
        })
      ).body.id as string;
    const toolKey = await make('http-tool');
    const generic = await make('generic');
    const twilioKey = await make('twilio');
    await expect422(
      await t.request('POST', `${base}/agents`, { token: owner, body: agentBody(toolKey) }),
      'llm.credentialId',
      /kind http-tool; openai-compatible needs a credential of kind openai or generic/,
    );
    await expect422(
      await t.request('POST', `${base}/agents`, {
        token: owner,
        body: agentBody(credentialId, { tts: { provider: 'elevenlabs', model: 'm', voice: 'v', credentialId } }),
      }),
      'tts.credentialId',
      /kind openai; elevenlabs needs a credential of kind elevenlabs/,
    );
    await expect422(
      await t.request('POST', `${base}/tools`, {
        token: owner,
        body: {
          name: 'crm',
          description: 'x',
          urlTemplate: 'https://crm.example.com/',
          auth: { type: 'bearer', credentialId: twilioKey },
        },
      }),
      'auth.credentialId',
      /http-tool needs a credential of kind http-tool or generic/,
    );
    const agent = await t.request('POST', `${base}/agents`, { token: owner, body: agentBody(generic) });
    expect(agent.status).toBe(201);
    await expect422(
      await t.request('POST', `${base}/phone-numbers`, {
        token: owner,
        body: { provider: 'twilio', number: '+14155550188', mode: 'stream', agentId: agent.body.id, credentialId },
      }),
      'credentialId',
      /twilio needs a credential of kind twilio/,
    );
    // A PATCH that swaps in the wrong kind is refused too, and changes nothing.
    const before = await t.request('GET', `${base}/agents/${agent.body.id}`, { token: owner });
    await expect422(
      await t.request('PATCH', `${base}/agents/${agent.body.id}`, {
        token: owner,
        body: { llm: { credentialId: twilioKey } },
      }),
      'llm.credentialId',
      /kind twilio/,
    );
    expect((await t.request('GET', `${base}/agents/${agent.body.id}`, { token: owner })).body).toEqual(before.body);
    // The kinds that fit are accepted.
    const tool = await t.request('POST', `${base}/tools`, {
      token: owner,
      body: {
        name: 'crm2',
        description: 'x',
        urlTemplate: 'https://crm.example.com/',
        auth: { type: 'bearer', credentialId: toolKey },
      },
    });
    expect(tool.status).toBe(201);
    const number = await t.request('POST', `${base}/phone-numbers`, {
      token: owner,
      body: {
        provider: 'twilio',
        number: '+14155550188',
        mode: 'stream',
        agentId: agent.body.id,
        credentialId: twilioKey,
      },
    });
    expect(number.status).toBe(201);
  });
});
