import { createHmac } from 'node:crypto';
import { OidcVerifier } from '@speaknode/runtime/auth';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeControl } from '../testing/fake-control.ts';
import { readJson, startTestReceiver, type TestReceiver, until } from '../testing/harness.ts';
import type { RecordingBus } from '../testing/memory-bus.ts';
import { startTestIssuer } from '../testing/test-issuer.ts';

const AUDIENCE = 'speaknode-control';
const SPACE = '0b6b4f8e-6a43-4b5e-8a8a-2c7c1f0d9e02';
const OTHER_SPACE = '9a6b4f8e-6a43-4b5e-8a8a-2c7c1f0d9e09';
/** Members and roles as control knows them, by token subject. */
const MEMBERS: Record<string, Record<string, 'viewer' | 'editor' | 'admin' | 'owner'>> = {
  alice: { [SPACE]: 'admin' },
  victor: { [SPACE]: 'viewer' },
  mallory: { [OTHER_SPACE]: 'owner' },
};
const HMAC_SECRET = 'hmac-route-secret-0123456789';
const BEARER = 'bearer-route-token-0123456789';

describe('inbound routes and their admin API', () => {
  let database: TestDatabase;
  let issuer: Awaited<ReturnType<typeof startTestIssuer>>;
  let control: Awaited<ReturnType<typeof startFakeControl>>;
  let receiver: TestReceiver;
  let bus: RecordingBus;
  let adminToken: string;
  let platformToken: string;
  let viewerToken: string;
  let outsiderToken: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    issuer = await startTestIssuer({
      audience: AUDIENCE,
      clients: [
        { clientId: 'platform-ops', roles: ['speaknode:admin'] },
        { clientId: 'alice', roles: [] },
        { clientId: 'victor', roles: [] },
        { clientId: 'mallory', roles: [] },
      ],
    });
    const verifier = new OidcVerifier({ issuer: issuer.issuerUrl, audience: AUDIENCE });
    control = await startFakeControl({
      numbers: [],
      spaceRoles: async (authorization, spaceId) => {
        const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
        if (!token) return null;
        const subject = (await verifier.verify(token)).subject;
        return MEMBERS[subject]?.[spaceId] ?? null;
      },
    });
    receiver = await startTestReceiver({ database, controlUrl: control.url, adminVerifier: verifier });
    bus = receiver.bus as RecordingBus;
    adminToken = await issuer.tokens('alice').token();
    platformToken = await issuer.tokens('platform-ops').token();
    viewerToken = await issuer.tokens('victor').token();
    outsiderToken = await issuer.tokens('mallory').token();
  });
  afterAll(async () => {
    await receiver.close();
    await control.close();
    await issuer.close();
    await database.drop();
  });

  const admin = (method: string, path: string, body?: unknown, token: string | null = adminToken) =>
    fetch(`${receiver.url}/admin/v1/routes${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const send = (key: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${receiver.url}/in/${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const githubSignature = (body: string) => `sha256=${createHmac('sha256', HMAC_SECRET).update(body).digest('hex')}`;

  it('manages routes by the caller’s role in the space (from control); secrets never come back', async () => {
    const route = {
      key: 'crm-events',
      spaceId: SPACE,
      description: 'CRM call outcomes',
      auth: { type: 'hmac', header: 'X-Hub-Signature-256', secret: HMAC_SECRET, prefix: 'sha256=' },
      rules: [
        {
          name: 'completed calls',
          filters: [{ path: 'type', equals: 'call.completed' }],
          transform: {
            idPath: 'id',
            subjectPath: 'data.callId',
            pick: { callId: 'data.callId', outcome: 'data.outcome' },
          },
        },
        { name: 'priority', filters: [{ path: 'data.priority', in: ['high', 'urgent'] }] },
      ],
    };
    expect((await admin('POST', '', route, null)).status).toBe(401);
    // A viewer of the space may not create; a member of another space does not see the space at all.
    const viewer = await admin('POST', '', route, viewerToken);
    expect(viewer.status).toBe(403);
    expect(viewer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await admin('POST', '', route, outsiderToken)).status).toBe(404);

    const created = await admin('POST', '', route);
    expect(created.status).toBe(201);
    const body = await readJson(created);
    expect(body.auth).toEqual({
      type: 'hmac',
      header: 'x-hub-signature-256',
      secret: '********',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'sha256=',
    });
    expect(JSON.stringify(body)).not.toContain(HMAC_SECRET);
    expect((await admin('POST', '', route)).status).toBe(409);

    const invalid = await admin('POST', '', { ...route, key: 'X', auth: { type: 'bearer', token: 'short' } });
    expect(invalid.status).toBe(400);
    const problem = await readJson(invalid);
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(['auth.token', 'key']);

    expect((await admin('POST', '', { key: 'open-door', spaceId: SPACE, auth: { type: 'none' } })).status).toBe(201);
    expect(
      (await admin('POST', '', { key: 'bearer-in', spaceId: SPACE, auth: { type: 'bearer', token: BEARER } })).status,
    ).toBe(201);
    expect(
      (
        await admin('POST', '', {
          key: 'basic-in',
          spaceId: SPACE,
          auth: { type: 'basic', username: 'crm', password: 'basic-password-0123456' },
        })
      ).status,
    ).toBe(201);

    const list = await readJson(await admin('GET', `?spaceId=${SPACE}`));
    expect(list.items.map((r: { key: string }) => r.key)).toEqual(['basic-in', 'bearer-in', 'crm-events', 'open-door']);
    const patched = await admin('PATCH', '/open-door', { description: 'anyone', enabled: false });
    expect(await readJson(patched)).toMatchObject({ description: 'anyone', enabled: false, auth: { type: 'none' } });
    expect((await admin('PATCH', '/nope-route', { enabled: true })).status).toBe(404);
    expect((await admin('PATCH', '/open-door', { spaceId: SPACE })).status).toBe(400);

    // Another space's member: its routes are indistinguishable from missing ones.
    expect((await admin('GET', '/crm-events', undefined, outsiderToken)).status).toBe(404);
    expect((await admin('PATCH', '/crm-events', { enabled: false }, outsiderToken)).status).toBe(404);
    expect((await admin('GET', `?spaceId=${SPACE}`, undefined, outsiderToken)).status).toBe(404);
    // A viewer reads but does not change; listing needs a space unless the caller is a platform admin.
    expect((await admin('GET', '/crm-events', undefined, viewerToken)).status).toBe(200);
    expect((await admin('DELETE', '/crm-events', undefined, viewerToken)).status).toBe(403);
    expect((await admin('GET', '')).status).toBe(400);
    expect((await readJson(await admin('GET', '', undefined, platformToken))).items).toHaveLength(4);
  });

  it('routes by the first rule whose filters match, shaping the event; an unmatched request is acknowledged and dropped', async () => {
    const completed = JSON.stringify({
      id: 'evt_1',
      type: 'call.completed',
      data: { callId: 'c-77', outcome: 'sale', secretNotes: 'x' },
    });
    const res = await send('crm-events', completed, { 'x-hub-signature-256': githubSignature(completed) });
    expect(res.status).toBe(202);
    expect(await readJson(res)).toEqual({
      accepted: true,
      id: 'inbound:crm-events:evt_1',
      rule: 'completed calls',
      topic: 'webhooks.inbound',
    });
    // The sender retries: same id, one event.
    expect((await send('crm-events', completed, { 'x-hub-signature-256': githubSignature(completed) })).status).toBe(
      202,
    );

    const urgent = JSON.stringify({ type: 'ticket', data: { priority: 'urgent' } });
    const second = await send('crm-events', urgent, { 'x-hub-signature-256': githubSignature(urgent) });
    expect((await readJson(second)).rule).toBe('priority');

    const boring = JSON.stringify({ type: 'ticket', data: { priority: 'low' } });
    const dropped = await send('crm-events', boring, { 'x-hub-signature-256': githubSignature(boring) });
    expect(dropped.status).toBe(202);
    expect((await readJson(dropped)).accepted).toBe(false);

    await until(() => bus.published.length >= 2, 'the routed events');
    await new Promise((r) => setTimeout(r, 100));
    expect(bus.published).toHaveLength(2);
    expect(bus.published[0]!.event).toMatchObject({
      id: 'inbound:crm-events:evt_1',
      type: 'inbound.received',
      spaceId: SPACE,
      subject: 'c-77',
      data: { routeKey: 'crm-events', rule: 'completed calls', body: { callId: 'c-77', outcome: 'sale' } },
    });
    expect(bus.published[1]!.event.data).toMatchObject({
      rule: 'priority',
      body: { type: 'ticket', data: { priority: 'urgent' } },
    });
  });

  it('checks each route its own way: HMAC, Bearer, Basic', async () => {
    const body = JSON.stringify({ type: 'call.completed', id: 'evt_2', data: {} });
    const hmac = [
      await send('crm-events', body),
      await send('crm-events', body, { 'x-hub-signature-256': githubSignature(`${body} `) }),
    ];
    for (const res of hmac) expect(res.status).toBe(403);
    expect((await send('bearer-in', body)).status).toBe(401);
    expect((await send('bearer-in', body, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(403);
    expect((await send('bearer-in', body, { authorization: `Bearer ${BEARER}` })).status).toBe(202);
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    expect((await send('basic-in', body, { authorization: basic('crm', 'wrong-password-000000') })).status).toBe(403);
    expect((await send('basic-in', body, { authorization: basic('crm', 'basic-password-0123456') })).status).toBe(202);
  });

  it('answers 404 for unknown or disabled routes, 400 for malformed JSON, 413 over 1 MiB, all problem+json', async () => {
    const unknown = await send('no-such-route', '{}');
    const disabled = await send('open-door', '{}');
    const malformed = await send('bearer-in', '{"a":', { authorization: `Bearer ${BEARER}` });
    const big = await send('bearer-in', JSON.stringify({ pad: 'x'.repeat(1_048_576) }), {
      authorization: `Bearer ${BEARER}`,
    });
    expect([unknown.status, disabled.status, malformed.status, big.status]).toEqual([404, 404, 400, 413]);
    for (const res of [unknown, disabled, malformed, big]) {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('deletes a route, after which it is gone', async () => {
    expect((await admin('DELETE', '/basic-in')).status).toBe(204);
    expect((await admin('GET', '/basic-in')).status).toBe(404);
    expect((await send('basic-in', '{}')).status).toBe(404);
    expect((await admin('DELETE', '/basic-in')).status).toBe(404);
  });
});
