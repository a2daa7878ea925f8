/**
 * `POST /api/v1/spaces/{spaceId}/tools/{toolId}/try`: control sends the saved tool, its credential
 * and the space's allow-list to the real agent worker (a process), which runs it once through the
 * conversations' executor. Refusals: the address policy, another space's tool, a viewer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentWorkerProcess, freePort, startAgentWorker } from '../testing/agent-worker-process.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';

const API_TOKEN = 'control-to-agent-token-0123456789';
const SECRET = 'crm-api-secret-0123456789';

let t: TestControl;
let worker: AgentWorkerProcess;
let crm: Server;
let crmUrl: string;
const received: Array<{ url: string; authorization: string | undefined }> = [];
let owner: string;
let spaceId: string;
let closedSpaceId: string;
let toolId: string;
let closedToolId: string;

beforeAll(async () => {
  crm = createServer((req, res) => {
    received.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'ships tomorrow', echoed: req.headers.authorization }));
  });
  await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
  crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}`;
  const workerPort = await freePort();
  t = await startTestControl({ env: { AGENT_URL: `http://127.0.0.1:${workerPort}`, AGENT_API_TOKEN: API_TOKEN } });
  worker = await startAgentWorker({
    PORT: String(workerPort),
    CONTROL_URL: t.url,
    SPEAKNODE_OIDC_ISSUER: t.control.issuer,
    SPEAKNODE_SERVICE_CLIENT_ID: 'test-agent',
    SPEAKNODE_SERVICE_CLIENT_SECRET: 'test-agent-secret',
    AGENT_API_TOKEN: API_TOKEN,
  });
  owner = await t.userToken('tina');
  // One space allows the loopback CRM, the other does not (the default address policy).
  spaceId = (
    await t.request('POST', '/api/v1/spaces', {
      token: owner,
      body: { name: 'Shop', toolHostAllowList: ['127.0.0.1'] },
    })
  ).body.id;
  closedSpaceId = (await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Closed' } })).body.id;
  toolId = await newTool(spaceId);
  closedToolId = await newTool(closedSpaceId);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await t?.close();
  crm?.closeAllConnections();
  await new Promise<void>((resolve) => (crm ? crm.close(() => resolve()) : resolve()));
});

async function newTool(inSpace: string): Promise<string> {
  const base = `/api/v1/spaces/${inSpace}`;
  const credential = await t.request('POST', `${base}/credentials`, {
    token: owner,
    body: { name: 'CRM', kind: 'http-tool', secret: SECRET },
  });
  expect(credential.status).toBe(201);
  const tool = await t.request('POST', `${base}/tools`, {
    token: owner,
    body: {
      name: 'lookup_order',
      description: 'Looks up an order',
      parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
      method: 'GET',
      urlTemplate: `${crmUrl}/orders/{order_id}`,
      auth: { type: 'bearer', credentialId: credential.body.id },
    },
  });
  expect(tool.status).toBe(201);
  return tool.body.id;
}

const tryIt = (inSpace: string, id: string, body: unknown, token = owner) =>
  t.request('POST', `/api/v1/spaces/${inSpace}/tools/${id}/try`, { token, body });

describe('Try it', () => {
  it('runs the saved tool once through the worker and shows the request and the answer, secret redacted', async () => {
    received.length = 0;
    const answer = await tryIt(spaceId, toolId, { arguments: { order_id: 'A-17' } });
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).not.toContain(SECRET);
    expect(answer.body.request).toMatchObject({
      method: 'GET',
      url: `${crmUrl}/orders/A-17`,
      headers: { authorization: '[redacted]' },
      body: null,
    });
    expect(answer.body.response).toMatchObject({
      status: 200,
      output: { status: 'ships tomorrow', echoed: 'Bearer [redacted]' },
    });
    expect(answer.body.error).toBeNull();
    expect(received).toEqual([{ url: '/orders/A-17', authorization: `Bearer ${SECRET}` }]);
  });

  it('keeps the address policy of the tool’s space: loopback is refused where it is not allow-listed', async () => {
    received.length = 0;
    const answer = await tryIt(closedSpaceId, closedToolId, { arguments: { order_id: 'A-17' } });
    expect(answer.status).toBe(200);
    expect(answer.body.response).toBeNull();
    expect(answer.body.error.kind).toBe('refused');
    expect(received).toEqual([]);
  });

  it('answers 404 for another space’s tool, 403 for a viewer, 400 for bad arguments', async () => {
    // The tool exists, but in the other space.
    expect((await tryIt(spaceId, closedToolId, { arguments: {} })).status).toBe(404);
    expect((await tryIt(spaceId, 'not-a-uuid', { arguments: {} })).status).toBe(404);
    const stranger = await t.userToken('sam');
    expect((await tryIt(spaceId, toolId, { arguments: {} }, stranger)).status).toBe(404);
    const member = await t.request('POST', `/api/v1/spaces/${spaceId}/members`, {
      token: owner,
      body: { subject: 'vera', role: 'viewer' },
    });
    expect(member.status).toBe(201);
    expect((await tryIt(spaceId, toolId, { arguments: {} }, await t.userToken('vera'))).status).toBe(403);
    const bad = await tryIt(spaceId, toolId, { arguments: 'A-17' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('arguments');
  });
});

describe('Try it without a worker', () => {
  it('says what to configure (503)', async () => {
    const lone = await startTestControl();
    try {
      const token = await lone.userToken('olga');
      const space = (await lone.request('POST', '/api/v1/spaces', { token, body: { name: 'S' } })).body.id;
      const tool = await lone.request('POST', `/api/v1/spaces/${space}/tools`, {
        token,
        body: {
          name: 'ping',
          description: 'ping',
          parameters: { type: 'object', properties: {} },
          method: 'GET',
          urlTemplate: 'https://example.com/ping',
        },
      });
      const answer = await lone.request('POST', `/api/v1/spaces/${space}/tools/${tool.body.id}/try`, {
        token,
        body: {},
      });
      expect(answer.status).toBe(503);
      expect(answer.body.detail).toContain('AGENT_API_TOKEN');
    } finally {
      await lone.close();
    }
  }, 60_000);
});
