import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody } from '../testing/fixtures.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';

describe('conversations without LiveKit configured', () => {
  let t: TestControl;
  beforeAll(async () => {
    t = await startTestControl();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 with what to set, and creates no call', async () => {
    const owner = await t.userToken('nina');
    const spaceId = (await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'No voice' } })).body.id;
    const credential = await t.request('POST', `/api/v1/spaces/${spaceId}/credentials`, {
      token: owner,
      body: { name: 'Keys', kind: 'openai', secret: 'sk-test-1234567890' },
    });
    const agent = await t.request('POST', `/api/v1/spaces/${spaceId}/agents`, {
      token: owner,
      body: agentBody(credential.body.id, { widget: { allowedOrigins: ['https://a.example'] } }),
    });
    const test = await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${agent.body.id}/test-sessions`, {
      token: owner,
    });
    expect(test.status).toBe(503);
    expect(test.body.detail).toMatch(/LIVEKIT_URL/);
    const widget = await t.request('POST', `/api/v1/public/agents/${agent.body.publishableKey}/sessions`, {
      headers: { origin: 'https://a.example' },
    });
    expect(widget.status).toBe(503);
    // Text sessions need no LiveKit, but the agent worker's API token: without it they say so.
    const text = await t.request('POST', `/api/v1/spaces/${spaceId}/agents/${agent.body.id}/test-sessions`, {
      token: owner,
      body: { mode: 'text' },
    });
    expect(text.status).toBe(503);
    expect(text.body.detail).toMatch(/AGENT_API_TOKEN/);
    const calls = await t.request('GET', `/api/v1/spaces/${spaceId}/calls`, { token: owner });
    expect(calls.body.items).toEqual([]);
  });
});
