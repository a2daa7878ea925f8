/**
 * Control's `/webhooks/admin/v1/…`: the console's way to the webhook receiver's admin API on
 * control's origin. A stand-in receiver records what arrives; the real one is driven by the
 * console's e2e (desktop/e2e/inbound-routes.e2e.test.ts).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../testing/agent-worker-process.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

let t: TestControl;
let receiver: Server;
let seen: Seen[];

/** GET with the path exactly as written (fetch would resolve its dot segments first). */
function rawStatus(path: string): Promise<number> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, headers: { authorization: 'Bearer user-token' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  seen = [];
  receiver = createServer(async (req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body: await bodyOf(req),
    });
    if (req.url?.startsWith('/admin/v1/routes/missing')) {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Not Found',
          status: 404,
          detail: 'no inbound route "missing"',
        }),
      );
      return;
    }
    if (req.method === 'POST') {
      res.writeHead(201, { 'content-type': 'application/json', location: '/admin/v1/routes/crm' }).end('{"key":"crm"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'x=1' }).end('{"items":[]}');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t = await startTestControl({
    env: { WEBHOOKS_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/` },
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

describe("control's way to the receiver's admin API", () => {
  it('carries the method, path, query, bearer token and JSON body, and the answer back', async () => {
    seen.length = 0;
    const list = await t.request('GET', '/webhooks/admin/v1/routes?spaceId=abc', { token: 'user-token' });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [] });
    // Only the answer's own headers that a client needs come back (no cookies of the receiver).
    expect(list.headers.get('set-cookie')).toBeNull();
    const created = await t.request('POST', '/webhooks/admin/v1/routes', {
      token: 'user-token',
      body: { key: 'crm', auth: { type: 'none' } },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/webhooks/admin/v1/routes/crm');
    const missing = await t.request('PATCH', '/webhooks/admin/v1/routes/missing', {
      token: 'user-token',
      body: { enabled: false },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.body.detail).toBe('no inbound route "missing"');
    expect(seen).toEqual([
      {
        method: 'GET',
        url: '/admin/v1/routes?spaceId=abc',
        authorization: 'Bearer user-token',
        contentType: undefined,
        body: '',
      },
      {
        method: 'POST',
        url: '/admin/v1/routes',
        authorization: 'Bearer user-token',
        contentType: 'application/json',
        body: JSON.stringify({ key: 'crm', auth: { type: 'none' } }),
      },
      {
        method: 'PATCH',
        url: '/admin/v1/routes/missing',
        authorization: 'Bearer user-token',
        contentType: 'application/json',
        body: JSON.stringify({ enabled: false }),
      },
    ]);
  });

  it('forwards only the admin paths: not the senders’ /in/…, nor a path dot segments would move there', async () => {
    seen.length = 0;
    for (const path of [
      '/webhooks/in/crm',
      '/webhooks/twilio/voice',
      '/webhooks/admin/v1/routes/../../../in/crm',
      '/webhooks/admin/v1/routes/%2e%2e/%2E%2E/metrics',
      '/webhooks/admin/v1/routes/..%5c..%5cmetrics',
      '/webhooks/admin/v2/routes',
      '/webhooks/metrics',
    ]) {
      expect(await rawStatus(path), path).toBe(404);
    }
    expect((await t.request('PUT', '/webhooks/admin/v1/routes/crm', { token: 'x', body: {} })).status).toBe(404);
    expect(seen).toEqual([]);
  });

  it('answers 502 with what to check when the receiver is not there', async () => {
    const port = await freePort();
    const down = await startTestControl({ env: { WEBHOOKS_URL: `http://127.0.0.1:${port}` } });
    try {
      const answer = await down.request('GET', '/webhooks/admin/v1/routes?spaceId=abc', { token: 'user-token' });
      expect(answer.status).toBe(502);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.detail).toContain('WEBHOOKS_URL');
    } finally {
      await down.close();
    }
  }, 60_000);
});
