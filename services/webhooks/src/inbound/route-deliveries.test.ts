/**
 * Recent deliveries of an inbound route (what the console shows an admin wiring up a sender) and
 * the receiver's admin OpenAPI document, against the real receiver, issuer and database.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { OidcVerifier } from '@speaknode/runtime/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildAdminOpenApiDocument } from '../admin-openapi.ts';
import { startFakeControl } from '../testing/fake-control.ts';
import { readJson, startTestReceiver, type TestReceiver } from '../testing/harness.ts';
import { startTestIssuer } from '../testing/test-issuer.ts';
import { InboundRouteView } from './route-definition.ts';
import { RouteDeliveries, RouteDelivery } from './route-deliveries.ts';

const AUDIENCE = 'speaknode-control';
const SPACE = '1b6b4f8e-6a43-4b5e-8a8a-2c7c1f0d9e03';
const TOKEN = 'crm-bearer-token-0123456789';

describe('recent deliveries of a route', () => {
  let issuer: Awaited<ReturnType<typeof startTestIssuer>>;
  let control: Awaited<ReturnType<typeof startFakeControl>>;
  let receiver: TestReceiver;
  let adminToken: string;
  let outsiderToken: string;

  beforeAll(async () => {
    issuer = await startTestIssuer({
      audience: AUDIENCE,
      clients: [
        { clientId: 'alice', roles: [] },
        { clientId: 'mallory', roles: [] },
      ],
    });
    const verifier = new OidcVerifier({ issuer: issuer.issuerUrl, audience: AUDIENCE });
    control = await startFakeControl({
      numbers: [],
      spaceRoles: async (authorization, spaceId) => {
        const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
        if (!token) return null;
        return (await verifier.verify(token)).subject === 'alice' && spaceId === SPACE ? 'admin' : null;
      },
    });
    receiver = await startTestReceiver({
      controlUrl: control.url,
      adminVerifier: verifier,
      publicBaseUrl: 'https://hooks.example.com/',
    });
    adminToken = await issuer.tokens('alice').token();
    outsiderToken = await issuer.tokens('mallory').token();
  });
  afterAll(async () => {
    await receiver.close();
    await control.close();
    await issuer.close();
  });

  const admin = (method: string, path: string, body?: unknown, token = adminToken) =>
    fetch(`${receiver.url}/admin/v1/routes${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const send = (body: string, headers: Record<string, string>) =>
    fetch(`${receiver.url}/in/crm-hooks`, { method: 'POST', headers, body });

  it('notes each request with its outcome, newest first; the answers match the document’s schemas', async () => {
    const created = await admin('POST', '', {
      key: 'crm-hooks',
      spaceId: SPACE,
      auth: { type: 'bearer', token: TOKEN },
      rules: [{ name: 'tickets', filters: [{ path: 'kind', equals: 'ticket' }], transform: { idPath: 'id' } }],
    });
    expect(created.status).toBe(201);
    const route = InboundRouteView.parse(await readJson(created));
    expect(route.url).toBe('https://hooks.example.com/in/crm-hooks');
    expect(route.auth).toEqual({ type: 'bearer', token: '********' });

    const empty = await admin('GET', '/crm-hooks/deliveries');
    expect(await readJson(empty)).toEqual({ items: [] });

    const json = { 'content-type': 'application/json' };
    expect((await send('{"kind":"ticket","id":"t-1"}', { ...json, authorization: 'Bearer wrong-token' })).status).toBe(
      403,
    );
    expect((await send('{"kind":"ticket","id":"t-1"}', { ...json, authorization: `Bearer ${TOKEN}` })).status).toBe(
      202,
    );
    expect((await send('{"kind":"invoice"}', { ...json, authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    expect((await send('{"kind":', { ...json, authorization: `Bearer ${TOKEN}` })).status).toBe(400);

    const answer = await admin('GET', '/crm-hooks/deliveries');
    expect(answer.status).toBe(200);
    const { items } = z.object({ items: z.array(RouteDelivery) }).parse(await readJson(answer));
    expect(items.map((d) => [d.status, d.outcome, d.rule, d.eventId])).toEqual([
      [400, 'refused', null, null],
      [202, 'no_rule', null, null],
      [202, 'accepted', 'tickets', 'inbound:crm-hooks:t-1'],
      [403, 'unauthorized', null, null],
    ]);
    expect(items[0]?.detail).toMatch(/JSON/);
    expect(items[2]).toMatchObject({ topic: 'webhooks.inbound', contentType: 'application/json', bytes: 28 });
    // What the sender sent is not kept here: it is on the bus (accepted) or nowhere.
    expect(JSON.stringify(items)).not.toContain(TOKEN);

    // Another space's member sees no route, and no deliveries either.
    expect((await admin('GET', '/crm-hooks/deliveries', undefined, outsiderToken)).status).toBe(404);
    expect((await admin('GET', '/no-such-route/deliveries')).status).toBe(404);

    // A deleted route's deliveries go with it; a new route of the same key starts empty.
    expect((await admin('DELETE', '/crm-hooks')).status).toBe(204);
    expect(
      (await admin('POST', '', { key: 'crm-hooks', spaceId: SPACE, auth: { type: 'bearer', token: TOKEN } })).status,
    ).toBe(201);
    expect(await readJson(await admin('GET', '/crm-hooks/deliveries'))).toEqual({ items: [] });
  });

  it('serves its OpenAPI document without a token', async () => {
    const answer = await fetch(`${receiver.url}/admin/v1/openapi.json`);
    expect(answer.status).toBe(200);
    const doc = await readJson(answer);
    expect(doc).toEqual(buildAdminOpenApiDocument());
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(validator.version).toBe('3.1');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/admin/v1/dead-letters',
      '/admin/v1/dead-letters/{id}',
      '/admin/v1/dead-letters/{id}/replay',
      '/admin/v1/routes',
      '/admin/v1/routes/{key}',
      '/admin/v1/routes/{key}/deliveries',
    ]);
    expect(Object.keys(doc.paths['/admin/v1/routes/{key}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(doc.components.schemas.InboundRoute.properties.auth).toBeDefined();
  });
});

describe('RouteDeliveries', () => {
  it('keeps the last deliveries of each route and forgets the oldest route beyond its limit', () => {
    const deliveries = new RouteDeliveries(3, 2);
    const entry = (n: number) => ({
      at: new Date(n).toISOString(),
      status: 202,
      outcome: 'accepted' as const,
      contentType: null,
      bytes: n,
      rule: null,
      topic: null,
      eventId: null,
      detail: null,
    });
    for (let n = 1; n <= 5; n++) deliveries.record('a', entry(n));
    expect(deliveries.list('a').map((d) => d.bytes)).toEqual([5, 4, 3]);
    deliveries.record('b', entry(6));
    deliveries.record('c', entry(7));
    expect(deliveries.list('a')).toEqual([]);
    expect(deliveries.list('b').map((d) => d.bytes)).toEqual([6]);
    expect(deliveries.list('c').map((d) => d.bytes)).toEqual([7]);
  });
});
