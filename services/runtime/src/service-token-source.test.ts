import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceTokenSource } from './service-token-source.ts';

let server: Server;
let issuer: string;
const requests: { auth: string | undefined; body: string }[] = [];
let failNext = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/realm/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token` }));
    }
    if (req.url === '/realm/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        requests.push({ auth: req.headers.authorization, body });
        if (failNext) {
          failNext = false;
          res.statusCode = 401;
          return res.end('{"error":"invalid_client"}');
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ access_token: `token-${requests.length}`, expires_in: 60, token_type: 'Bearer' }));
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realm`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('ServiceTokenSource', () => {
  it('discovers the token endpoint, authenticates with Basic, caches, and renews before expiry', async () => {
    let now = 1_000_000;
    const source = new ServiceTokenSource({ issuer, clientId: 'bridge', clientSecret: 's3cret', now: () => now });
    const [a, b] = await Promise.all([source.token(), source.token()]);
    expect(a).toBe('token-1');
    expect(b).toBe('token-1');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.auth).toBe(`Basic ${Buffer.from('bridge:s3cret').toString('base64')}`);
    expect(requests[0]!.body).toBe('grant_type=client_credentials');
    now += 47_000;
    expect(await source.token()).toBe('token-1');
    now += 2_000; // past 80% of 60 s
    expect(await source.token()).toBe('token-2');
  });

  it('reports a rejected client with the status', async () => {
    failNext = true;
    const source = new ServiceTokenSource({ issuer, clientId: 'bridge', clientSecret: 'wrong' });
    await expect(source.token()).rejects.toThrow(/token request for bridge failed: 401/);
  });

  it('is built from a service config only when issuer, client id and secret are all set', () => {
    expect(
      ServiceTokenSource.fromConfig({ SPEAKNODE_OIDC_ISSUER: issuer, SPEAKNODE_SERVICE_CLIENT_ID: 'x' }),
    ).toBeUndefined();
    expect(
      ServiceTokenSource.fromConfig({
        SPEAKNODE_OIDC_ISSUER: issuer,
        SPEAKNODE_SERVICE_CLIENT_ID: 'x',
        SPEAKNODE_SERVICE_CLIENT_SECRET: 'y',
      }),
    ).toBeInstanceOf(ServiceTokenSource);
  });

  it('reports an unreachable issuer', async () => {
    const source = new ServiceTokenSource({ issuer: 'http://127.0.0.1:1/realm', clientId: 'x', clientSecret: 'y' });
    await expect(source.token()).rejects.toThrow();
  });
});
