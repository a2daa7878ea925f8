import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody } from '../testing/fixtures.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';

/**
 * Input an attacker forges gets a 400 naming the field, never a 500: every list of the OpenAPI
 * document with a forged cursor, every write with a field the resource does not have.
 */

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const UUID = '0d8c7a52-5a8e-4a43-9a5e-2f7d1c9b8e11';
const ORIGIN = 'https://shop.example';

const FORGED_CURSORS: Record<string, string> = {
  garbage: 'garbage',
  'not JSON': b64('{'),
  'an object': b64({ at: '2026-01-01', id: UUID }),
  'one element': b64(['2026-01-01 00:00:00+00']),
  'a bad uuid': b64(['2026-01-01 00:00:00+00', 'not-a-uuid']),
  'a number id': b64(['2026-01-01 00:00:00+00', 42]),
  'a bad timestamp': b64(['yesterday', UUID]),
  'February 30': b64(['2026-02-30 00:00:00+00', UUID]),
  'hour 25': b64(['2026-01-01 25:00:00+00', UUID]),
  'year 0': b64(['0000-01-01 00:00:00+00', UUID]),
  'a year past 9999': b64(['+275760-09-13T00:00:00.000Z', UUID]),
  'an offset of 99 hours': b64(['2026-01-01 00:00:00+99', UUID]),
  'SQL in the id': b64(['2026-01-01 00:00:00+00', `${UUID}' OR '1'='1`]),
};

describe('forged cursors and unknown fields', () => {
  let t: TestControl;
  let owner: string;
  const ids: Record<string, string> = {};
  let doc: {
    paths: Record<
      string,
      Record<string, { operationId: string; parameters?: Array<{ name: string; in: string }>; requestBody?: unknown }>
    >;
  };

  beforeAll(async () => {
    t = await startTestControl();
    owner = await t.userToken('forger');
    const ok = async (path: string, body: unknown) => {
      const res = await t.request('POST', path, { token: owner, body });
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    ids.spaceId = (await ok('/api/v1/spaces', { name: 'Forgery' })).id;
    const base = `/api/v1/spaces/${ids.spaceId}`;
    ids.credentialId = (await ok(`${base}/credentials`, { name: 'k', kind: 'openai', secret: 'sk-test-123456' })).id;
    const agent = await ok(`${base}/agents`, agentBody(ids.credentialId!, { widget: { allowedOrigins: [ORIGIN] } }));
    ids.agentId = agent.id;
    ids.publishableKey = agent.publishableKey;
    ids.toolId = (await ok(`${base}/tools`, { name: 't', description: 'd', urlTemplate: 'https://e.example/' })).id;
    ids.phoneNumberId = (
      await ok(`${base}/phone-numbers`, {
        provider: 'twilio',
        number: '+14155550123',
        mode: 'sip',
        agentId: ids.agentId,
      })
    ).id;
    ids.webhookId = (await ok(`${base}/webhooks`, { url: 'https://hooks.example.com/x' })).id;
    ids.apiKeyId = (await ok(`${base}/api-keys`, { name: 'ci', role: 'viewer' })).id;
    ids.userId = String((await ok(`${base}/members`, { subject: 'someone', role: 'viewer' })).userId);
    ids.callId = UUID;
    ids.sessionId = UUID;
    ids.messageId = UUID;
    ids.entryId = UUID;
    ids.campaignId = (
      await ok(`${base}/campaigns`, {
        name: 'c',
        agentId: ids.agentId,
        phoneNumberId: ids.phoneNumberId,
        columns: { number: 'phone' },
      })
    ).id;
    ids.contactId = UUID;
    doc = (await t.request('GET', '/openapi.json')).body;
  });
  afterAll(async () => {
    await t?.close();
  });

  const fill = (path: string) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (!ids[name]) throw new Error(`no fixture id for {${name}} in ${path}`);
      return ids[name]!;
    });

  it('answers 400 naming cursor to every forged cursor on every list', async () => {
    const lists = Object.entries(doc.paths).flatMap(([path, ops]) =>
      ops.get?.parameters?.some((p) => p.in === 'query' && p.name === 'cursor') ? [path] : [],
    );
    expect(lists.length).toBeGreaterThanOrEqual(8);
    for (const path of lists) {
      for (const [name, cursor] of Object.entries(FORGED_CURSORS)) {
        const res = await t.request('GET', `${fill(path)}?cursor=${encodeURIComponent(cursor)}`, { token: owner });
        expect(res.status, `${path} with ${name}: ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.body.errors, `${path} with ${name}`).toEqual([expect.objectContaining({ path: 'cursor' })]);
      }
    }
  });

  it('refuses a field the resource does not have on every write, naming it', async () => {
    const writes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        // A message to a text session needs a running one (an agent worker): text-sessions.test.ts covers it.
        op.requestBody &&
        path.startsWith('/api/v1/') &&
        !['sendTestSessionMessage', 'sendWidgetSessionMessage'].includes(op.operationId)
          ? [{ path, method, op }]
          : [],
      ),
    );
    expect(writes.length).toBeGreaterThanOrEqual(15);
    for (const { path, method, op } of writes) {
      const res = await t.request(method.toUpperCase(), fill(path), {
        token: owner,
        body: { owner: 'x' },
        headers: { origin: ORIGIN },
      });
      expect(res.status, `${op.operationId}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.errors, op.operationId).toContainEqual(expect.objectContaining({ path: 'owner' }));
    }
  });
});
