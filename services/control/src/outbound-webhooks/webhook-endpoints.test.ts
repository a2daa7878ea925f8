import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControl, type TestControl } from '../testing/harness.ts';

/** Saving a subscription checks its URL against the address policy: 422 naming `url`, nothing stored. */
describe('webhook subscriptions refuse endpoints the address policy refuses', () => {
  let t: TestControl;
  let owner: string;
  let base: string;

  beforeAll(async () => {
    t = await startTestControl();
    owner = await t.userToken('hook-owner');
    const space = await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Hooks' } });
    base = `/api/v1/spaces/${space.body.id}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', /https only/],
    ['https://169.254.169.254/latest/meta-data', /cloud-metadata/],
    ['https://127.0.0.1:8080/internal', /loopback/],
    ['https://[::ffff:127.0.0.1]/x', /loopback/],
    ['https://localhost/x', /loopback/],
    ['https://10.0.0.5/x', /private/],
    ['https://100.64.1.1/x', /cgnat/],
    ['http://hooks.example.com/in', /https only/],
  ])('refuses %s with 422 naming url', async (url, reason) => {
    const res = await t.request('POST', `${base}/webhooks`, { token: owner, body: { url } });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.errors).toEqual([{ path: 'url', message: expect.stringMatching(reason) }]);
    const list = await t.request('GET', `${base}/webhooks`, { token: owner });
    expect(list.body.items).toEqual([]);
  });

  it('accepts a public https endpoint, and refuses a PATCH to an internal one without changing it', async () => {
    const hook = await t.request('POST', `${base}/webhooks`, {
      token: owner,
      body: { url: 'https://93.184.216.34/in' },
    });
    expect(hook.status).toBe(201);
    const before = (await t.request('GET', `${base}/webhooks/${hook.body.id}`, { token: owner })).body;
    const patch = await t.request('PATCH', `${base}/webhooks/${hook.body.id}`, {
      token: owner,
      body: { url: 'https://169.254.169.254/latest/meta-data' },
    });
    expect(patch.status).toBe(422);
    expect((await t.request('GET', `${base}/webhooks/${hook.body.id}`, { token: owner })).body).toEqual(before);
  });

  it("accepts an internal host, over http too, once it is on the space's webhookHostAllowList", async () => {
    const space = await t.request('PATCH', base, { token: owner, body: { webhookHostAllowList: ['127.0.0.1'] } });
    expect(space.body.webhookHostAllowList).toEqual(['127.0.0.1']);
    const hook = await t.request('POST', `${base}/webhooks`, {
      token: owner,
      body: { url: 'http://127.0.0.1:9/hooks' },
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const other = await t.request('POST', `${base}/webhooks`, { token: owner, body: { url: 'http://10.0.0.5/x' } });
    expect(other.status).toBe(422);
  });
});
