import type { Role } from '@speaknode/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody } from './testing/fixtures.ts';
import { startTestControl, type TestControl } from './testing/harness.ts';

/** Every space-scoped operation of the control API and the least role it needs. */
const OPERATIONS: Record<string, Role> = {
  getSpace: 'viewer',
  updateSpace: 'admin',
  deleteSpace: 'owner',
  listMembers: 'viewer',
  addMember: 'admin',
  getMember: 'viewer',
  updateMember: 'admin',
  removeMember: 'admin',
  listAgents: 'viewer',
  createAgent: 'editor',
  getAgent: 'viewer',
  replaceAgent: 'editor',
  updateAgent: 'editor',
  deleteAgent: 'editor',
  listTools: 'viewer',
  createTool: 'editor',
  getTool: 'viewer',
  replaceTool: 'editor',
  updateTool: 'editor',
  deleteTool: 'editor',
  listPhoneNumbers: 'viewer',
  createPhoneNumber: 'admin',
  getPhoneNumber: 'viewer',
  getPhoneNumberProviderSetup: 'viewer',
  replacePhoneNumber: 'admin',
  updatePhoneNumber: 'admin',
  deletePhoneNumber: 'admin',
  listCredentials: 'viewer',
  createCredential: 'admin',
  getCredential: 'viewer',
  updateCredential: 'admin',
  deleteCredential: 'admin',
  listWebhooks: 'viewer',
  createWebhook: 'admin',
  getWebhook: 'viewer',
  updateWebhook: 'admin',
  deleteWebhook: 'admin',
  listApiKeys: 'viewer',
  createApiKey: 'admin',
  getApiKey: 'viewer',
  updateApiKey: 'admin',
  revokeApiKey: 'admin',
  listWebhookMessages: 'admin',
  getWebhookMessage: 'admin',
  replayWebhookMessage: 'admin',
  listCalls: 'viewer',
  getCall: 'viewer',
  getCallTranscript: 'viewer',
  getCallEvents: 'viewer',
  getCallRecording: 'viewer',
  getCallUsage: 'viewer',
  getSpaceUsage: 'viewer',
  getSpaceBilling: 'admin',
  createTestSession: 'editor',
  sendTestSessionMessage: 'editor',
  endTestSession: 'editor',
  getAnalytics: 'viewer',
  getCallTurns: 'viewer',
  createOutboundCall: 'editor',
  listDoNotCall: 'viewer',
  addDoNotCall: 'editor',
  removeDoNotCall: 'editor',
  listCampaigns: 'viewer',
  createCampaign: 'editor',
  getCampaign: 'viewer',
  updateCampaign: 'editor',
  deleteCampaign: 'editor',
  startCampaign: 'editor',
  pauseCampaign: 'editor',
  resumeCampaign: 'editor',
  cancelCampaign: 'editor',
  importCampaignContacts: 'editor',
  listCampaignContacts: 'viewer',
  getCampaignContact: 'viewer',
  exportCampaignResults: 'viewer',
  tryTool: 'editor',
  listAudit: 'viewer',
  getAuditEntry: 'viewer',
};

interface Operation {
  operationId: string;
  method: string;
  path: string;
  minRole: Role;
}

interface SpaceFixture {
  spaceId: string;
  ids: Record<string, string>;
}

const TABLES = [
  'spaces',
  'members',
  'agents',
  'tools',
  'credentials',
  'phone_numbers',
  'webhook_subscriptions',
  'api_keys',
  'calls',
  'audit_log',
  'outbox',
  'webhook_messages',
  'text_sessions',
  'call_transcript_turns',
  'call_events',
  'call_usage',
  'do_not_call',
  'campaigns',
  'campaign_contacts',
  'campaign_attempts',
];

describe('tenant isolation and roles: every space route', () => {
  let t: TestControl;
  const tokens: Record<string, string> = {};
  let a: SpaceFixture;
  let b: SpaceFixture;
  let operations: Operation[];

  async function fixture(owner: string, number: string, memberTokens: Partial<Record<Role, string>>) {
    const token = tokens[owner]!;
    const ok = async (method: string, path: string, body: unknown) => {
      const res = await t.request(method, path, { token, body });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const space = await ok('POST', '/api/v1/spaces', { name: `space of ${owner}` });
    const base = `/api/v1/spaces/${space.id}`;
    const credential = await ok('POST', `${base}/credentials`, {
      name: 'key',
      kind: 'openai',
      secret: `secret-${owner}`,
    });
    // Each use takes a credential of its own kind (control refuses the others).
    const toolKey = await ok('POST', `${base}/credentials`, { name: 'crm', kind: 'http-tool', secret: `crm-${owner}` });
    const twilioKey = await ok('POST', `${base}/credentials`, {
      name: 'twilio',
      kind: 'twilio',
      secret: `twilio-${owner}`,
      settings: { accountSid: 'AC1' },
    });
    const tool = await ok('POST', `${base}/tools`, {
      name: 'lookup',
      description: 'Looks up',
      urlTemplate: 'https://crm.example.com/{id}',
      auth: { type: 'bearer', credentialId: toolKey.id },
    });
    const agent = await ok('POST', `${base}/agents`, agentBody(credential.id, { toolIds: [tool.id] }));
    const phone = await ok('POST', `${base}/phone-numbers`, {
      provider: 'twilio',
      number,
      mode: 'sip',
      agentId: agent.id,
      credentialId: twilioKey.id,
    });
    const webhook = await ok('POST', `${base}/webhooks`, { url: 'https://hooks.example.com/x' });
    const apiKey = await ok('POST', `${base}/api-keys`, { name: 'ci', role: 'viewer' });
    let memberId = '';
    for (const [role, subject] of Object.entries(memberTokens)) {
      const member = await ok('POST', `${base}/members`, { subject, role });
      memberId ||= member.userId;
    }
    const callId = crypto.randomUUID();
    const recordingKey = `recordings/${callId}.ogg`;
    await t.database.pool.query(
      `INSERT INTO calls (id, space_id, agent_id, channel, status, room_name, recording_key)
       VALUES ($1, $2, $3, 'test', 'created', $4, $5)`,
      [callId, space.id, agent.id, `room-${callId}`, recordingKey],
    );
    await t.control.ctx.objectStore.put(recordingKey, 'OggS', 'audio/ogg');
    const messageId = crypto.randomUUID();
    await t.database.pool.query(
      `INSERT INTO webhook_messages (id, space_id, subscription_id, event_id, event_type, payload, status, attempts)
       VALUES ($1, $2, $3, $4, 'call.ended', '{}', 'delivered', 1)`,
      [messageId, space.id, webhook.id, `evt-${messageId}`],
    );
    const campaign = await ok('POST', `${base}/campaigns`, {
      name: 'Reminders',
      agentId: agent.id,
      phoneNumberId: phone.id,
      columns: { number: 'phone' },
    });
    await ok('POST', `${base}/campaigns/${campaign.id}/contacts`, { csv: 'phone\n+442079460001\n' });
    const contacts = await ok('GET', `${base}/campaigns/${campaign.id}/contacts`, undefined);
    const audit = await ok('GET', `${base}/audit?limit=1`, undefined);
    return {
      spaceId: space.id,
      ids: {
        spaceId: space.id,
        agentId: agent.id,
        toolId: tool.id,
        credentialId: credential.id,
        phoneNumberId: phone.id,
        webhookId: webhook.id,
        apiKeyId: apiKey.id,
        userId: memberId,
        callId,
        messageId,
        // A text session that does not exist: the routes must answer 404 or 403 before looking it up.
        sessionId: crypto.randomUUID(),
        entryId: audit.items[0].id,
        campaignId: campaign.id,
        contactId: contacts.items[0].id,
        number: encodeURIComponent(number),
      },
    };
  }

  async function snapshot() {
    const out: Record<string, unknown> = {};
    for (const table of TABLES) {
      // The relay marks outbox rows published in the background: compare what was written, not when it left.
      const columns = table === 'outbox' ? 'id, topic, event' : '*';
      out[table] = (await t.database.pool.query(`SELECT ${columns} FROM ${table} ORDER BY 1`)).rows;
    }
    return JSON.stringify(out);
  }

  const fill = (path: string, ids: Record<string, string>) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const id = ids[name];
      if (!id) throw new Error(`no fixture id for {${name}} in ${path}`);
      return id;
    });

  const bodyFor = (op: Operation) =>
    op.method === 'GET' || op.method === 'DELETE'
      ? undefined
      : op.operationId === 'updateMember'
        ? { role: 'viewer' }
        : {};

  beforeAll(async () => {
    t = await startTestControl();
    for (const subject of ['alice', 'mallory', 'vic', 'ed', 'ada']) tokens[subject] = await t.userToken(subject);
    a = await fixture('alice', '+14155550100', { viewer: 'vic', editor: 'ed', admin: 'ada' });
    b = await fixture('mallory', '+14155550199', {});
    const doc = (await t.request('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    operations = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/spaces/{spaceId}')) continue;
      for (const [method, op] of Object.entries(methods)) {
        operations.push({
          operationId: op.operationId,
          method: method.toUpperCase(),
          path,
          minRole: OPERATIONS[op.operationId] ?? (undefined as unknown as Role),
        });
      }
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('knows the least role of every space-scoped operation of the OpenAPI document', async () => {
    // Derived from the document: an operation missing from OPERATIONS fails here instead of being skipped.
    expect(operations.filter((o) => !o.minRole).map((o) => o.operationId)).toEqual([]);
    expect(operations.map((o) => o.operationId).sort()).toEqual(Object.keys(OPERATIONS).sort());
  });

  it("answers 404 to another space's owner on every route of space A, and changes nothing", async () => {
    const before = await snapshot();
    for (const op of operations) {
      const res = await t.request(op.method, fill(op.path, a.ids), { token: tokens.mallory, body: bodyFor(op) });
      expect(res.status, `${op.method} ${op.path}`).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await snapshot()).toBe(before);
  });

  it("answers 404 in one's own space to another space's resource ids, and changes nothing", async () => {
    const before = await snapshot();
    for (const op of operations.filter((o) => /\{(?!spaceId)\w+\}/.test(o.path))) {
      const res = await t.request(op.method, fill(op.path, { ...a.ids, spaceId: b.spaceId }), {
        token: tokens.mallory,
        body: bodyFor(op),
      });
      expect(res.status, `${op.method} ${op.path}`).toBe(404);
    }
    expect(await snapshot()).toBe(before);
  });

  it("refuses to reference another space's credentials, tools and agents", async () => {
    const before = await snapshot();
    const base = `/api/v1/spaces/${b.spaceId}`;
    const attempts = [
      { path: `${base}/agents`, body: agentBody(a.ids.credentialId!), field: 'llm.credentialId' },
      { path: `${base}/agents`, body: agentBody(b.ids.credentialId!, { toolIds: [a.ids.toolId] }), field: 'toolIds.0' },
      {
        path: `${base}/tools`,
        body: {
          name: 'steal',
          description: 'x',
          urlTemplate: 'https://x.example/',
          auth: { type: 'bearer', credentialId: a.ids.credentialId },
        },
        field: 'auth.credentialId',
      },
      {
        path: `${base}/phone-numbers`,
        body: { provider: 'twilio', number: '+14155550111', mode: 'sip', agentId: a.ids.agentId },
        field: 'agentId',
      },
    ];
    for (const attempt of attempts) {
      const res = await t.request('POST', attempt.path, { token: tokens.mallory, body: attempt.body });
      expect(res.status, attempt.field).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(attempt.field);
    }
    const patch = await t.request('PATCH', `${base}/agents/${b.ids.agentId}`, {
      token: tokens.mallory,
      body: { toolIds: [a.ids.toolId] },
    });
    expect(patch.status).toBe(400);
    expect(await snapshot()).toBe(before);
  });

  it('answers 403 to every lower role on every write, changing nothing, and lets viewers read', async () => {
    const roleTokens: Record<Exclude<Role, 'owner'>, string> = {
      viewer: tokens.vic!,
      editor: tokens.ed!,
      admin: tokens.ada!,
    };
    const order: Role[] = ['viewer', 'editor', 'admin', 'owner'];
    const before = await snapshot();
    let checked = 0;
    for (const op of operations) {
      const allowedFrom = order.indexOf(op.minRole);
      for (const [role, token] of Object.entries(roleTokens) as [Role, string][]) {
        if (order.indexOf(role) >= allowedFrom) continue;
        const res = await t.request(op.method, fill(op.path, a.ids), { token, body: bodyFor(op) });
        expect(res.status, `${role} ${op.method} ${op.path}`).toBe(403);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
    for (const op of operations.filter((o) => o.method === 'GET' && o.minRole === 'viewer')) {
      const res = await t.request('GET', fill(op.path, a.ids), { token: tokens.vic });
      expect(res.status, `viewer GET ${op.path}`).toBe(200);
    }
    expect(await snapshot()).toBe(before);
  });
});
