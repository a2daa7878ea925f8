import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody } from './testing/fixtures.ts';
import { startTestControl, type TestControl } from './testing/harness.ts';

describe('control resources', () => {
  let t: TestControl;
  let owner: string;
  let spaceId: string;

  beforeAll(async () => {
    t = await startTestControl({
      env: { WEBHOOKS_PUBLIC_URL: 'https://hooks.example.com/', BRIDGE_PUBLIC_URL: 'wss://media.example.com' },
    });
    owner = await t.userToken('alice', { email: 'alice@example.com' });
    const space = await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Clinic' } });
    expect(space.status).toBe(201);
    spaceId = space.body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('makes the creator of a space its owner and lists it', async () => {
    const list = await t.request('GET', '/api/v1/spaces', { token: owner });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([expect.objectContaining({ id: spaceId, name: 'Clinic', role: 'owner' })]);
    const members = await t.request('GET', `/api/v1/spaces/${spaceId}/members`, { token: owner });
    expect(members.body.items).toEqual([
      expect.objectContaining({ subject: 'alice', email: 'alice@example.com', role: 'owner' }),
    ]);
  });

  it('stores credentials write-only and resolves them only for the agent worker', async () => {
    const created = await t.request('POST', `/api/v1/spaces/${spaceId}/credentials`, {
      token: owner,
      body: { name: 'OpenAI', kind: 'openai', secret: 'sk-live-abcdefghijklmnop1234' },
    });
    expect(created.status).toBe(201);
    expect(created.body.hint).toBe('…1234');
    expect(JSON.stringify(created.body)).not.toContain('sk-live');
    const fetched = await t.request('GET', `/api/v1/spaces/${spaceId}/credentials/${created.body.id}`, {
      token: owner,
    });
    expect(JSON.stringify(fetched.body)).not.toContain('sk-live');
    const { rows } = await t.database.pool.query('SELECT secret_ciphertext FROM credentials WHERE id = $1', [
      created.body.id,
    ]);
    expect(rows[0].secret_ciphertext).not.toContain('sk-live');

    const agent = await t.request('POST', `/api/v1/spaces/${spaceId}/agents`, {
      token: owner,
      body: agentBody(created.body.id),
    });
    expect(agent.status).toBe(201);
    expect(agent.body.publishableKey).toMatch(/^pk_/);
    const runtime = await t.request('GET', `/internal/v1/agents/${agent.body.id}/runtime-config`, {
      token: await t.serviceToken('service:agent'),
    });
    expect(runtime.status).toBe(200);
    expect(runtime.body.credentials[created.body.id].secret).toBe('sk-live-abcdefghijklmnop1234');
  });

  it('says what to paste into the provider’s console for a number, and that billing is off without Lago', async () => {
    const cred = await t.request('POST', `/api/v1/spaces/${spaceId}/credentials`, {
      token: owner,
      body: { name: 'LLM for setup', kind: 'openai', secret: 'sk-setup-abcdefghijkl' },
    });
    const agent = await t.request('POST', `/api/v1/spaces/${spaceId}/agents`, {
      token: owner,
      body: agentBody(cred.body.id),
    });
    const twilio = await t.request('POST', `/api/v1/spaces/${spaceId}/phone-numbers`, {
      token: owner,
      body: { provider: 'twilio', number: '+14155550142', mode: 'stream', agentId: agent.body.id },
    });
    expect(twilio.status).toBe(201);
    const viewer = await t.userToken('vera-setup');
    await t.request('POST', `/api/v1/spaces/${spaceId}/members`, {
      token: owner,
      body: { subject: 'vera-setup', role: 'viewer' },
    });
    const setup = await t.request('GET', `/api/v1/spaces/${spaceId}/phone-numbers/${twilio.body.id}/provider-setup`, {
      token: viewer,
    });
    expect(setup.status).toBe(200);
    expect(setup.body).toMatchObject({ phoneNumberId: twilio.body.id, provider: 'twilio', mode: 'stream' });
    expect(setup.body.fields.map((f: { value: string }) => f.value)).toEqual([
      'https://hooks.example.com/twilio/voice',
      'https://hooks.example.com/twilio/status',
    ]);
    expect(setup.body.notes.join(' ')).toContain('wss://media.example.com/twilio');
    expect(setup.body.notes.join(' ')).toContain('TWILIO_AUTH_TOKEN');

    const vox = await t.request('POST', `/api/v1/spaces/${spaceId}/phone-numbers`, {
      token: owner,
      body: { provider: 'voximplant', number: '+14155550143', mode: 'stream', agentId: agent.body.id },
    });
    const voxSetup = await t.request('GET', `/api/v1/spaces/${spaceId}/phone-numbers/${vox.body.id}/provider-setup`, {
      token: owner,
    });
    expect(voxSetup.body.fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ label: 'SPEAKNODE_BRIDGE_URL', value: 'wss://media.example.com/voximplant' }),
        expect.objectContaining({ label: 'Account callback URL', value: 'https://hooks.example.com/voximplant' }),
      ]),
    );
    // Without Lago the billing answer says so; it is for admins only.
    expect((await t.request('GET', `/api/v1/spaces/${spaceId}/billing`, { token: owner })).body).toEqual({
      lagoConfigured: false,
      subscription: null,
      invoices: [],
      error: null,
    });
    expect((await t.request('GET', `/api/v1/spaces/${spaceId}/billing`, { token: viewer })).status).toBe(403);
    const outsider = await t.userToken('mallory-setup');
    expect(
      (
        await t.request('GET', `/api/v1/spaces/${spaceId}/phone-numbers/${vox.body.id}/provider-setup`, {
          token: outsider,
        })
      ).status,
    ).toBe(404);
    expect(
      (await t.request('GET', `/api/v1/spaces/${spaceId}/phone-numbers/not-a-uuid/provider-setup`, { token: owner }))
        .status,
    ).toBe(404);
  });

  it('pages lists with a cursor', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await t.request('POST', `/api/v1/spaces/${spaceId}/tools`, {
        token: owner,
        body: { name: `tool_${i}`, description: 'x', urlTemplate: 'https://example.com/x' },
      });
      expect(res.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.request(
        'GET',
        `/api/v1/spaces/${spaceId}/tools?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: owner },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((i: { name: string }) => i.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['tool_4', 'tool_3', 'tool_2', 'tool_1', 'tool_0']);
    const bad = await t.request('GET', `/api/v1/spaces/${spaceId}/tools?cursor=garbage`, { token: owner });
    expect(bad.status).toBe(400);
  });

  it('applies membership changes at once: a demoted member loses rights, a removed one loses the space', async () => {
    const eve = await t.userToken('eve');
    const added = await t.request('POST', `/api/v1/spaces/${spaceId}/members`, {
      token: owner,
      body: { subject: 'eve', role: 'editor' },
    });
    expect(added.status).toBe(201);
    const tool = { name: 'eve_tool', description: 'x', urlTemplate: 'https://e.example/' };
    expect((await t.request('GET', `/api/v1/spaces/${spaceId}/agents`, { token: eve })).status).toBe(200);
    const demote = await t.request('PATCH', `/api/v1/spaces/${spaceId}/members/${added.body.userId}`, {
      token: owner,
      body: { role: 'viewer' },
    });
    expect(demote.body.role).toBe('viewer');
    expect((await t.request('POST', `/api/v1/spaces/${spaceId}/tools`, { token: eve, body: tool })).status).toBe(403);
    expect(
      (await t.request('DELETE', `/api/v1/spaces/${spaceId}/members/${added.body.userId}`, { token: owner })).status,
    ).toBe(204);
    expect((await t.request('GET', `/api/v1/spaces/${spaceId}/agents`, { token: eve })).status).toBe(404);
  });

  it('keeps at least one owner and lets only owners touch the owner role', async () => {
    const me = (await t.request('GET', `/api/v1/spaces/${spaceId}/members?role=owner`, { token: owner })).body.items[0];
    const self = await t.request('PATCH', `/api/v1/spaces/${spaceId}/members/${me.userId}`, {
      token: owner,
      body: { role: 'admin' },
    });
    expect(self.status).toBe(409);
    const admin = await t.userToken('adam');
    await t.request('POST', `/api/v1/spaces/${spaceId}/members`, {
      token: owner,
      body: { subject: 'adam', role: 'admin' },
    });
    const grant = await t.request('POST', `/api/v1/spaces/${spaceId}/members`, {
      token: admin,
      body: { subject: 'zed', role: 'owner' },
    });
    expect(grant.status).toBe(403);
    expect((await t.request('DELETE', `/api/v1/spaces/${spaceId}/members/${me.userId}`, { token: admin })).status).toBe(
      403,
    );
    expect((await t.request('DELETE', `/api/v1/spaces/${spaceId}`, { token: admin })).status).toBe(403);
  });

  it('lets the owner delete the space, and everything in it goes', async () => {
    const other = await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Doomed' } });
    const cred = await t.request('POST', `/api/v1/spaces/${other.body.id}/credentials`, {
      token: owner,
      body: { name: 'k', kind: 'openai', secret: 'doomed-secret' },
    });
    const agent = await t.request('POST', `/api/v1/spaces/${other.body.id}/agents`, {
      token: owner,
      body: agentBody(cred.body.id),
    });
    await t.request('POST', `/api/v1/spaces/${other.body.id}/phone-numbers`, {
      token: owner,
      body: { provider: 'twilio', number: '+14155550777', mode: 'sip', agentId: agent.body.id },
    });
    expect((await t.request('DELETE', `/api/v1/spaces/${other.body.id}`, { token: owner })).status).toBe(204);
    expect((await t.request('GET', `/api/v1/spaces/${other.body.id}`, { token: owner })).status).toBe(404);
    const { rows } = await t.database.pool.query('SELECT count(*)::int AS n FROM agents WHERE space_id = $1', [
      other.body.id,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('takes back what it gave: a PUT of the read representation works, an unknown field does not', async () => {
    const cred = await t.request('POST', `/api/v1/spaces/${spaceId}/credentials`, {
      token: owner,
      body: { name: 'rt', kind: 'openai', secret: 'round-trip-secret' },
    });
    const agent = await t.request('POST', `/api/v1/spaces/${spaceId}/agents`, {
      token: owner,
      body: agentBody(cred.body.id),
    });
    const path = `/api/v1/spaces/${spaceId}/agents/${agent.body.id}`;
    // GET answers with JSON built by the database: it must be the very representation POST returned.
    const read = await t.request('GET', path, { token: owner });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(agent.body);
    const put = await t.request('PUT', path, { token: owner, body: { ...agent.body, greeting: 'Hello!' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: agent.body.id,
      greeting: 'Hello!',
      publishableKey: agent.body.publishableKey,
    });
    const unknown = await t.request('PATCH', path, { token: owner, body: { colour: 'red' } });
    expect(unknown.status).toBe(400);
  });
});
