import { ControlConfig, loadConfig } from '@speaknode/contracts/node';
import { generateIssuerKey } from '@speaknode/runtime/embedded-issuer';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialAdminToken } from '../cli/token.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';

describe('control auth (embedded oidc-provider issuer)', () => {
  let t: TestControl;
  beforeAll(async () => {
    t = await startTestControl();
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (token?: string) => t.request('GET', '/api/v1/spaces', token ? { token } : {});

  it('accepts a valid token and creates the user on first sight', async () => {
    const res = await get(await t.userToken('first-sight', { email: 'fs@example.com' }));
    expect(res.status).toBe(200);
    const { rows } = await t.database.pool.query('SELECT email FROM users WHERE subject = $1', ['first-sight']);
    expect(rows).toEqual([{ email: 'fs@example.com' }]);
  });

  it('answers 401 problem+json for a missing, expired, wrong-audience, wrong-issuer, tampered or unknown-key token', async () => {
    const expired = await t.userToken('bob', { expiresInSeconds: -120 });
    const wrongAudience = await t.userToken('bob', { audience: 'another-api' });
    const wrongIssuer = await t.userToken('bob', { issuer: 'http://127.0.0.1:1/oidc' });
    const valid = await t.userToken('bob');
    const [h, p, s] = valid.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'alice' })).toString('base64url')}.${s}`;
    const stranger = await generateIssuerKey();
    const unknownKid = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: stranger.kid! })
      .setIssuer(t.control.issuer)
      .setAudience('speaknode-control')
      .setSubject('bob')
      .setExpirationTime('5m')
      .sign(await importJWK(stranger, 'RS256'));
    for (const [name, token] of Object.entries({
      missing: undefined,
      garbage: 'not-a-token',
      expired,
      wrongAudience,
      wrongIssuer,
      tampered,
      unknownKid,
    })) {
      const res = await get(token);
      expect(res.status, name).toBe(401);
      expect(res.headers.get('content-type'), name).toContain('application/problem+json');
      expect(res.headers.get('www-authenticate'), name).toMatch(/^Bearer/);
    }
    expect((await get(await t.userToken('bob'))).status).toBe(200);
  });

  it('keeps service tokens on /internal and user tokens off it', async () => {
    const service = await t.serviceToken('service:webhooks');
    expect((await get(service)).status).toBe(403);
    const user = await t.userToken('carol');
    const internal = await t.request('GET', '/internal/v1/phone-numbers/lookup?provider=twilio&number=%2B14155550100', {
      token: user,
    });
    expect(internal.status).toBe(403);
    const wrongRole = await t.request(
      'GET',
      '/internal/v1/phone-numbers/lookup?provider=twilio&number=%2B14155550100',
      {
        token: await t.serviceToken('service:agent'),
      },
    );
    expect(wrongRole.status).toBe(403);
    const ok = await t.request('GET', '/internal/v1/phone-numbers/lookup?provider=twilio&number=%2B14155550100', {
      token: service,
    });
    expect(ok.status).toBe(404);
  });

  it('gives a trial user an admin-API token from the embedded issuer (npm run token)', async () => {
    const config = loadConfig('control', ControlConfig, {
      SPEAKNODE_DATA_DIR: t.control.ctx.config.SPEAKNODE_DATA_DIR,
      PORT: String(new URL(t.url).port),
    });
    const token = await trialAdminToken(config);
    const created = await t.request('POST', '/api/v1/spaces', { token, body: { name: 'Trial' } });
    expect(created.status).toBe(201);
    expect(created.body.role).toBe('owner');
    await expect(
      trialAdminToken({ ...config, SPEAKNODE_OIDC_ISSUER: 'https://keycloak.example.com/realms/x' }),
    ).rejects.toThrow(/SPEAKNODE_OIDC_ISSUER/);
  });

  it('accepts a space API key as a principal with its role, and refuses it once revoked', async () => {
    const owner = await t.userToken('dora');
    const space = await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Keys' } });
    const key = await t.request('POST', `/api/v1/spaces/${space.body.id}/api-keys`, {
      token: owner,
      body: { name: 'CI', role: 'editor' },
    });
    expect(key.status).toBe(201);
    expect(key.body.key).toMatch(/^sk_/);
    const { rows } = await t.database.pool.query('SELECT key_hash FROM api_keys WHERE id = $1', [key.body.id]);
    expect(rows[0].key_hash).not.toContain(key.body.key);
    const asKey = { token: key.body.key as string };
    expect((await t.request('GET', `/api/v1/spaces/${space.body.id}/agents`, asKey)).status).toBe(200);
    expect((await t.request('GET', '/api/v1/spaces', asKey)).body.items.map((s: { id: string }) => s.id)).toEqual([
      space.body.id,
    ]);
    expect(
      (
        await t.request('POST', `/api/v1/spaces/${space.body.id}/api-keys`, {
          ...asKey,
          body: { name: 'x', role: 'viewer' },
        })
      ).status,
    ).toBe(403);
    expect((await t.request('POST', '/api/v1/spaces', { ...asKey, body: { name: 'x' } })).status).toBe(403);
    expect(
      (await t.request('DELETE', `/api/v1/spaces/${space.body.id}/api-keys/${key.body.id}`, { token: owner })).status,
    ).toBe(204);
    expect((await t.request('GET', `/api/v1/spaces/${space.body.id}/agents`, asKey)).status).toBe(401);
    expect((await t.request('GET', '/api/v1/spaces', { token: 'sk_made_up' })).status).toBe(401);
  });
});
