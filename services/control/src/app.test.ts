import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControl, type TestControl } from './testing/harness.ts';

describe('control app skeleton', () => {
  let t: TestControl;
  beforeAll(async () => {
    t = await startTestControl();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers healthz and readyz', async () => {
    expect((await t.request('GET', '/healthz')).status).toBe(200);
    const ready = await t.request('GET', '/readyz');
    expect(ready).toMatchObject({ status: 200, body: { checks: { database: true, bus: true, store: true } } });
  });

  it('serves the embedded issuer discovery at /oidc', async () => {
    const res = await t.request('GET', '/oidc/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.body.issuer).toBe(`${t.url}/oidc`);
  });

  it('answers 401 problem+json without a token and 404 problem+json on unknown routes', async () => {
    const res = await t.request('GET', '/api/v1/spaces');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const missing = await t.request('GET', '/nope');
    expect(missing.status).toBe(404);
  });
});
