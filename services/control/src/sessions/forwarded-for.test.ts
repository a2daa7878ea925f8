import { afterEach, describe, expect, it } from 'vitest';
import { startTestControl, type TestControl } from '../testing/harness.ts';

/**
 * The widget's per-IP limit counts the connection's address; X-Forwarded-For counts only when it
 * comes from a proxy listed in TRUSTED_PROXIES (default none), so a client cannot rotate it.
 */
describe('X-Forwarded-For is trusted only from TRUSTED_PROXIES', () => {
  let t: TestControl | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function statuses(env: Record<string, string>) {
    t = await startTestControl({ env, start: { settings: { perIp: { limit: 2, windowMs: 60_000 } } } });
    const out: number[] = [];
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      const res = await t.request('POST', '/api/v1/public/agents/pk_unknownunknownunknown/sessions', {
        headers: { 'x-forwarded-for': address },
        body: { mode: 'text' },
      });
      out.push(res.status);
    }
    return out;
  }

  it('by default: a client on loopback rotating X-Forwarded-For still meets its own limit', async () => {
    expect(await statuses({})).toEqual([404, 404, 429]);
  });

  it('from a listed proxy: each forwarded client has its own limit', async () => {
    expect(await statuses({ TRUSTED_PROXIES: '127.0.0.1, ::1' })).toEqual([404, 404, 404]);
  });

  it('refuses a TRUSTED_PROXIES entry that is not an address or block, naming the variable', async () => {
    await expect(startTestControl({ env: { TRUSTED_PROXIES: 'proxy.example' } })).rejects.toThrow(/TRUSTED_PROXIES/);
  });
});
