import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemErrorHandler } from '../problem.ts';
import { ServiceTokenSource } from '../service-token-source.ts';
import { createEmbeddedIssuer, generateIssuerKey } from './embedded-issuer.ts';
import { OidcVerifier, requireBearerToken, rolesOf, TokenRejectedError, verifiedTokenOf } from './oidc-verifier.ts';

const AUDIENCE = 'speaknode-control';

/** A real oidc-provider issuer served at `<base>/oidc` on a loopback port. */
async function startIssuer(options: { audience?: string; clients?: { clientId: string; roles: string[] }[] } = {}) {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
  const key = await generateIssuerKey();
  const clients = (options.clients ?? [{ clientId: 'svc-webhooks', roles: ['service:webhooks'] }]).map((c) => ({
    ...c,
    clientSecret: `secret-of-${c.clientId}`,
  }));
  const issuer = createEmbeddedIssuer({
    issuer: issuerUrl,
    audience: options.audience ?? AUDIENCE,
    clients,
    signingKeys: [key],
  });
  const app = express();
  app.use('/oidc', issuer.handler);
  server.on('request', app);
  const tokens = (clientId: string) =>
    new ServiceTokenSource({ issuer: issuerUrl, clientId, clientSecret: `secret-of-${clientId}` });
  return { server, issuerUrl, key, tokens };
}

async function close(server: Server) {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

async function signWith(key: JWK, claims: Record<string, unknown>, header: { kid?: string } = {}) {
  const privateKey = await importJWK(key, 'RS256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? key.kid ?? 'none' })
    .sign(privateKey);
}

describe('OidcVerifier against a real oidc-provider issuer', () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let other: Awaited<ReturnType<typeof startIssuer>>;
  let verifier: OidcVerifier;

  beforeAll(async () => {
    issuer = await startIssuer({ clients: [{ clientId: 'svc-webhooks', roles: ['service:webhooks'] }] });
    other = await startIssuer({ clients: [{ clientId: 'svc-webhooks', roles: ['service:webhooks'] }] });
    verifier = new OidcVerifier({ issuer: issuer.issuerUrl, audience: AUDIENCE, jwksCooldownMs: 0 });
  });
  afterAll(async () => {
    await close(issuer.server);
    await close(other.server);
  });

  it('accepts a client-credentials token from the issuer and reads its roles', async () => {
    const token = await issuer.tokens('svc-webhooks').token();
    const verified = await verifier.verify(token);
    expect(verified.subject).toBe('svc-webhooks');
    expect(verified.claims.iss).toBe(issuer.issuerUrl);
    expect(rolesOf(verified.claims)).toContain('service:webhooks');
  });

  it('refuses an expired token signed by the right key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signWith(issuer.key, {
      iss: issuer.issuerUrl,
      aud: AUDIENCE,
      sub: 'alice',
      iat: now - 3600,
      exp: now - 600,
    });
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('refuses a token for another audience', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signWith(issuer.key, { iss: issuer.issuerUrl, aud: 'someone-else', sub: 'a', exp: now + 60 });
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'audience' });
    const wrongAudienceIssuer = await startIssuer({ audience: 'other-api' });
    try {
      const strict = new OidcVerifier({ issuer: wrongAudienceIssuer.issuerUrl, audience: AUDIENCE });
      const real = await wrongAudienceIssuer.tokens('svc-webhooks').token();
      await expect(strict.verify(real)).rejects.toMatchObject({ reason: 'audience' });
    } finally {
      await close(wrongAudienceIssuer.server);
    }
  });

  it('refuses a token from another issuer, even a well-formed one', async () => {
    const token = await other.tokens('svc-webhooks').token();
    const error = await verifier.verify(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRejectedError);
    // Its key is unknown here and its iss is wrong: either reason refuses it.
    expect(['issuer', 'unknown_key']).toContain((error as TokenRejectedError).reason);
    const sameKeyWrongIss = await signWith(issuer.key, {
      iss: other.issuerUrl,
      aud: AUDIENCE,
      sub: 'a',
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    await expect(verifier.verify(sameKeyWrongIss)).rejects.toMatchObject({ reason: 'issuer' });
  });

  it('refuses a tampered token', async () => {
    const token = await issuer.tokens('svc-webhooks').token();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.roles = ['service:agent', 'admin'];
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await expect(verifier.verify(tampered)).rejects.toMatchObject({ reason: 'signature' });
  });

  it('refuses a token whose key id the issuer does not publish', async () => {
    const stranger = await generateIssuerKey();
    const token = await signWith(stranger, {
      iss: issuer.issuerUrl,
      aud: AUDIENCE,
      sub: 'a',
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    expect(decodeProtectedHeader(token).kid).toBe(stranger.kid);
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'unknown_key' });
  });

  it('refuses a symmetric (HS256) token and garbage', async () => {
    const hs = await new SignJWT({ iss: issuer.issuerUrl, aud: AUDIENCE, sub: 'a' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-shared-secret-of-enough-length'));
    await expect(verifier.verify(hs)).rejects.toBeInstanceOf(TokenRejectedError);
    await expect(verifier.verify('not-a-jwt')).rejects.toMatchObject({ reason: 'malformed' });
  });
});

describe('OidcVerifier key rotation', () => {
  it('fetches the keys again when a token names a new key id', async () => {
    const first = await generateKeyPair('ES256', { extractable: true });
    const second = await generateKeyPair('ES256', { extractable: true });
    const publish = async (pair: typeof first, kid: string) => ({
      ...(await exportJWK(pair.publicKey)),
      kid,
      alg: 'ES256',
    });
    let keys = [await publish(first, 'k1')];
    let jwksFetches = 0;
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') {
        res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks` }));
      } else {
        jwksFetches++;
        res.end(JSON.stringify({ keys }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const verifier = new OidcVerifier({ issuer: base, audience: AUDIENCE, jwksCooldownMs: 0 });
      const sign = (pair: typeof first, kid: string) =>
        new SignJWT({ sub: 'bob' })
          .setProtectedHeader({ alg: 'ES256', kid })
          .setIssuer(base)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(pair.privateKey);
      expect((await verifier.verify(await sign(first, 'k1'))).subject).toBe('bob');
      expect((await verifier.verify(await sign(first, 'k1'))).subject).toBe('bob');
      expect(jwksFetches).toBe(1);
      keys = [await publish(second, 'k2')];
      expect((await verifier.verify(await sign(second, 'k2'))).subject).toBe('bob');
      expect(jwksFetches).toBe(2);
    } finally {
      await close(server);
    }
  });

  it('answers 503, not 401, when the issuer is down', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await close(server);
    const app = express();
    app.get('/x', requireBearerToken(new OidcVerifier({ issuer: base, audience: AUDIENCE })), (_req, res) => {
      res.json({ ok: true });
    });
    const res = await request(app, '/x', 'a.b.c');
    expect(res.status).toBe(503);
  });
});

async function request(app: express.Express, path: string, token?: string) {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
  } finally {
    await close(server);
  }
}

describe('requireBearerToken', () => {
  it('answers 401 problem+json without a token or with a bad one, and passes a good one through', async () => {
    const issuer = await startIssuer();
    try {
      const app = express();
      const verifier = new OidcVerifier({ issuer: issuer.issuerUrl, audience: AUDIENCE });
      app.get('/me', requireBearerToken(verifier), (_req, res) => {
        res.json({ sub: verifiedTokenOf(res)?.subject });
      });
      app.use(problemErrorHandler());
      const missing = await request(app, '/me');
      expect(missing.status).toBe(401);
      expect(missing.type).toContain('application/problem+json');
      const bad = await request(app, '/me', 'x.y.z');
      expect(bad.status).toBe(401);
      const good = await request(app, '/me', await issuer.tokens('svc-webhooks').token());
      expect(good).toMatchObject({ status: 200, body: { sub: 'svc-webhooks' } });
    } finally {
      await close(issuer.server);
    }
  });
});

describe('rolesOf', () => {
  it('reads roles from oidc-provider, Keycloak realm and client roles, and scope', () => {
    expect(
      rolesOf({
        roles: ['a'],
        realm_access: { roles: ['b'] },
        resource_access: { control: { roles: ['c'] } },
        scope: 'd e',
      }).sort(),
    ).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(rolesOf({})).toEqual([]);
  });
});
