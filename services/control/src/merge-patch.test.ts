import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControl, type TestControl } from './testing/harness.ts';

/**
 * PATCH is a JSON Merge Patch on every resource: each writable field is patched alone and the
 * whole representation compared before and after — only that field (and `updatedAt`) may change.
 */

type Json = Record<string, unknown>;

/** One change: the dotted paths a PATCH sets (`null` clears) and, where it differs, what the field reads after. */
interface Change {
  set: Record<string, unknown>;
  expect?: Record<string, unknown>;
}

const clone = <T>(value: T): T => structuredClone(value);

function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let at: Json = target;
  for (const key of keys.slice(0, -1)) {
    at[key] ??= {};
    at = at[key] as Json;
  }
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
}

const patchOf = (change: Change): Json => {
  const patch: Json = {};
  for (const [path, value] of Object.entries(change.set)) setPath(patch, path, value);
  return patch;
};

function expectedAfter(before: Json, change: Change): Json {
  const after = clone(before);
  for (const [path, value] of Object.entries(change.set)) setPath(after, path, value === null ? undefined : value);
  for (const [path, value] of Object.entries(change.expect ?? {})) setPath(after, path, value);
  return after;
}

/** Every leaf (non-object value, arrays included) of a representation, as dotted paths. */
function leavesOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => leavesOf(child, prefix ? `${prefix}.${key}` : key));
}

const READ_ONLY = ['id', 'spaceId', 'createdAt', 'updatedAt', 'publishableKey', 'disabledReason', 'hint'];

describe('PATCH merges (JSON Merge Patch) on every resource', () => {
  let t: TestControl;
  let owner: string;
  let spaceId: string;
  /** Credentials by kind, two of each, as item 9 refuses a credential of the wrong kind. */
  const creds: Record<string, [string, string]> = {};
  let toolId: string;

  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    t.request(method, `/api/v1/spaces/${spaceId}${path}`, {
      token: owner,
      ...(headers ? { rawBody: JSON.stringify(body), headers } : body === undefined ? {} : { body }),
    });

  beforeAll(async () => {
    t = await startTestControl();
    owner = await t.userToken('patcher', { email: 'patcher@example.com' });
    const space = await t.request('POST', '/api/v1/spaces', {
      token: owner,
      body: { name: 'Patch space', toolHostAllowList: ['crm.internal'] },
    });
    spaceId = space.body.id;
    const secret = 'sk-test-0123456789abcdef';
    for (const kind of ['openai', 'elevenlabs', 'twilio', 'http-tool']) {
      const one = await api('POST', '/credentials', { name: `${kind} 1`, kind, secret });
      const two = await api('POST', '/credentials', { name: `${kind} 2`, kind, secret });
      creds[kind] = [one.body.id, two.body.id];
    }
    toolId = (await api('POST', '/tools', { name: 'lookup', description: 'x', urlTemplate: 'https://e.example/' })).body
      .id;
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * Patches each change alone against a freshly read representation and compares the whole of it.
   * Every writable leaf of the resource must have a change: a new field without one fails here.
   */
  async function checkEveryField(path: string, changes: Record<string, Change>, booleansAndNumbers = true) {
    const before0 = (await api('GET', path)).body as Json;
    const cases = { ...changes };
    for (const leaf of leavesOf(before0)) {
      if (READ_ONLY.includes(leaf) || leaf in cases) continue;
      const value = leaf.split('.').reduce<unknown>((v, k) => (v as Json)[k], before0);
      if (booleansAndNumbers && typeof value === 'boolean') cases[leaf] = { set: { [leaf]: !value } };
      else if (booleansAndNumbers && typeof value === 'number') cases[leaf] = { set: { [leaf]: value + 1 } };
      else throw new Error(`${path}: no PATCH case for the field ${leaf}; add one`);
    }
    for (const [name, change] of Object.entries(cases)) {
      const before = (await api('GET', path)).body as Json;
      const res = await api('PATCH', path, patchOf(change), { 'content-type': 'application/merge-patch+json' });
      expect(res.status, `${path} ${name}: ${JSON.stringify(res.body)}`).toBe(200);
      const after = (await api('GET', path)).body as Json;
      expect(res.body, `${path} ${name}`).toEqual(after);
      const { updatedAt: _a, ...afterRest } = after;
      const { updatedAt: _b, ...expected } = expectedAfter(before, change);
      expect(afterRest, `${path} ${name}`).toEqual(expected);
    }
  }

  it('space: each field alone', async () => {
    const base = `/api/v1/spaces/${spaceId}`;
    const spacePath = '';
    await checkEveryField(spacePath, {
      name: { set: { name: 'Renamed space' } },
      toolHostAllowList: { set: { toolHostAllowList: ['erp.internal', 'crm.internal'] } },
      'toolHostAllowList cleared': { set: { toolHostAllowList: null }, expect: { toolHostAllowList: [] } },
      webhookHostAllowList: { set: { webhookHostAllowList: ['hooks.internal'] } },
      role: { set: { role: 'owner' } },
    });
    expect((await t.request('GET', base, { token: owner })).body.toolHostAllowList).toEqual([]);
  });

  it('agent: each field alone, nested objects merge, null clears', async () => {
    const agent = await api('POST', '/agents', {
      name: 'Full',
      description: 'every field set',
      prompt: 'Be brief.',
      greeting: 'Hello',
      language: 'en-GB',
      llm: {
        provider: 'openai-compatible',
        baseUrl: 'https://llm.example/v1',
        model: 'm1',
        credentialId: creds.openai![0],
        temperature: 0.5,
        maxOutputTokens: 300,
      },
      stt: { provider: 'speaknode-models', model: 'parakeet-tdt-0.6b-v2' },
      tts: { provider: 'elevenlabs', model: 'eleven_flash_v2_5', voice: 'Rachel', credentialId: creds.elevenlabs![0] },
      toolIds: [toolId],
      endCallEnabled: true,
      transfer: { enabled: true, destinations: ['+14155550100'] },
      turn: { detection: 'vad', minEndpointingDelayMs: 400, maxEndpointingDelayMs: 5000 },
      interruption: { enabled: true, minDurationMs: 400, minWords: 1 },
      limits: { maxDurationSeconds: 900, silenceTimeoutSeconds: 20 },
      recordingEnabled: false,
      widget: {
        allowedOrigins: ['https://shop.example'],
        voiceEnabled: true,
        textEnabled: false,
        appearance: { title: 'Ask us', accentColor: '#3355ff', position: 'bottom-left' },
      },
    });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    const path = `/agents/${agent.body.id}`;
    await checkEveryField(path, {
      name: { set: { name: 'Renamed' } },
      description: { set: { description: 'changed' } },
      'description cleared': { set: { description: null }, expect: { description: '' } },
      prompt: { set: { prompt: 'Be kind.' } },
      greeting: { set: { greeting: 'Hi there' } },
      'greeting cleared': { set: { greeting: null } },
      language: { set: { language: 'de-DE' } },
      'llm.provider': { set: { 'llm.provider': 'openai-compatible' } },
      'llm.baseUrl': { set: { 'llm.baseUrl': 'https://llm2.example/v1' } },
      'llm.model': { set: { 'llm.model': 'm2' } },
      'llm.credentialId': { set: { 'llm.credentialId': creds.openai![1] } },
      'llm.maxOutputTokens cleared': { set: { 'llm.maxOutputTokens': null } },
      'llm.temperature cleared': { set: { 'llm.temperature': null }, expect: { 'llm.temperature': 0.7 } },
      'stt.provider': { set: { 'stt.provider': 'openai', 'stt.credentialId': creds.openai![0] } },
      'stt.model': { set: { 'stt.model': 'whisper-1' } },
      'tts.provider': { set: { 'tts.provider': 'openai', 'tts.credentialId': creds.openai![0] } },
      'tts.model': { set: { 'tts.model': 'tts-1' } },
      'tts.voice': { set: { 'tts.voice': 'alloy' } },
      'tts.credentialId': { set: { 'tts.credentialId': creds.openai![1] } },
      toolIds: { set: { toolIds: [] } },
      'transfer.destinations': { set: { 'transfer.destinations': ['+14155550101', 'sip:desk@pbx.example'] } },
      'turn.detection': { set: { 'turn.detection': 'stt' } },
      'widget.allowedOrigins': {
        set: { 'widget.allowedOrigins': ['https://a.example', 'https://b.example'] },
      },
      'widget.appearance.title': { set: { 'widget.appearance.title': 'Talk to us' } },
      'widget.appearance.title cleared': { set: { 'widget.appearance.title': null } },
      'widget.appearance.accentColor': { set: { 'widget.appearance.accentColor': '#112233' } },
      'widget.appearance.position': { set: { 'widget.appearance.position': 'inline' } },
      'keypad.terminator': { set: { 'keypad.terminator': '*' } },
      'interruption.falseInterruptionResumeMs off': { set: { 'interruption.falseInterruptionResumeMs': 0 } },
      'interruption.falseInterruptionResumeMs cleared': {
        set: { 'interruption.falseInterruptionResumeMs': null },
        expect: { 'interruption.falseInterruptionResumeMs': 1500 },
      },
    });
  });

  it('tool: each field alone', async () => {
    const tool = await api('POST', '/tools', {
      name: 'full_tool',
      description: 'every field',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
      method: 'GET',
      urlTemplate: 'https://api.example/weather?city={city}',
      headers: { 'X-Client': 'speaknode' },
      auth: { type: 'header', header: 'X-Api-Key', credentialId: creds['http-tool']![0] },
      timeoutMs: 5000,
      maxResponseBytes: 4096,
    });
    expect(tool.status, JSON.stringify(tool.body)).toBe(201);
    await checkEveryField(`/tools/${tool.body.id}`, {
      name: { set: { name: 'renamed_tool' } },
      description: { set: { description: 'changed' } },
      'parameters.type': { set: { 'parameters.type': 'object' } },
      'parameters.properties.city.type': { set: { 'parameters.properties.city.type': 'number' } },
      method: { set: { method: 'POST' } },
      urlTemplate: { set: { urlTemplate: 'https://api.example/v2?city={city}' } },
      'headers.X-Client': { set: { 'headers.X-Client': 'other' } },
      'headers.X-Client removed': { set: { 'headers.X-Client': null } },
      'auth.header': { set: { 'auth.header': 'X-Key' } },
      'auth.credentialId': { set: { 'auth.credentialId': creds['http-tool']![1] } },
      'auth.type': { set: { 'auth.type': 'bearer', 'auth.header': null } },
    });
  });

  it('credential: each field alone; renaming keeps its settings', async () => {
    const cred = await api('POST', '/credentials', {
      name: 'Twilio',
      kind: 'twilio',
      secret: 'twilio-token-0123456789',
      settings: { accountSid: 'AC123', region: 'ie1' },
    });
    await checkEveryField(`/credentials/${cred.body.id}`, {
      name: { set: { name: 'Twilio main' } },
      kind: { set: { kind: 'generic' } },
      'settings.accountSid': { set: { 'settings.accountSid': 'AC456' } },
      'settings.region': { set: { 'settings.region': null } },
    });
    const secret = await api('PATCH', `/credentials/${cred.body.id}`, { secret: 'new-secret-abcdefghijkl' });
    expect(secret.body.hint).toBe('…ijkl');
    expect(secret.body.settings).toEqual({ accountSid: 'AC456' });
    const removeSecret = await api('PATCH', `/credentials/${cred.body.id}`, { secret: null });
    expect(removeSecret.status).toBe(400);
    expect(removeSecret.body.errors).toEqual([{ path: 'secret', message: 'cannot be removed' }]);
  });

  it('phone number: each field alone; null clears the credential', async () => {
    const phoneAgent = {
      name: 'Phone',
      prompt: 'x',
      llm: { provider: 'openai-compatible', model: 'm', credentialId: creds.openai![0] },
      stt: { provider: 'speaknode-models' },
      tts: { provider: 'speaknode-models', voice: 'en_US-amy-medium' },
    };
    const agentId = (await api('POST', '/agents', phoneAgent)).body.id;
    const otherAgentId = (await api('POST', '/agents', { ...phoneAgent, name: 'Phone 2' })).body.id;
    const number = await api('POST', '/phone-numbers', {
      provider: 'twilio',
      number: '+14155550199',
      mode: 'sip',
      agentId,
      credentialId: creds.twilio![0],
    });
    expect(number.status, JSON.stringify(number.body)).toBe(201);
    await checkEveryField(`/phone-numbers/${number.body.id}`, {
      provider: { set: { provider: 'voximplant', mode: 'stream', credentialId: null }, expect: { credentialId: null } },
      number: { set: { number: '+14155550198' } },
      mode: { set: { provider: 'twilio', mode: 'sip' } },
      agentId: { set: { agentId: otherAgentId } },
      credentialId: { set: { credentialId: creds.twilio![1] } },
      'credentialId cleared': { set: { credentialId: null }, expect: { credentialId: null } },
    });
    const unknown = await api('PATCH', `/phone-numbers/${number.body.id}`, { owner: 'x' });
    expect(unknown.status).toBe(400);
  });

  it('webhook subscription: each field alone; a new URL keeps the rest', async () => {
    const hook = await api('POST', '/webhooks', {
      url: 'https://hooks.example/in',
      description: 'CRM',
      eventTypes: ['call.ended'],
      enabled: true,
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    await checkEveryField(`/webhooks/${hook.body.id}`, {
      url: { set: { url: 'https://hooks.example/other' } },
      description: { set: { description: 'ERP' } },
      'description cleared': { set: { description: null }, expect: { description: '' } },
      eventTypes: { set: { eventTypes: ['call.started', 'call.ended'] } },
      enabled: { set: { enabled: false }, expect: { enabled: false, disabledReason: 'disabled by an admin' } },
    });
  });

  it('API key: each field alone', async () => {
    const key = await api('POST', '/api-keys', { name: 'CI', role: 'viewer' });
    expect(key.status).toBe(201);
    await checkEveryField(`/api-keys/${key.body.id}`, {
      name: { set: { name: 'CI renamed' } },
      role: { set: { role: 'editor' } },
      prefix: { set: { prefix: 'ignored' }, expect: { prefix: key.body.prefix } },
      lastUsedAt: { set: { lastUsedAt: null }, expect: { lastUsedAt: null } },
    });
  });

  it('member: each field alone', async () => {
    await t.userToken('patched-member');
    const added = await api('POST', '/members', {
      subject: 'patched-member',
      role: 'viewer',
      email: 'typed@example.com',
    });
    expect(added.status).toBe(201);
    await checkEveryField(`/members/${added.body.userId}`, {
      role: { set: { role: 'editor' } },
      subject: { set: { subject: 'ignored' }, expect: { subject: 'patched-member' } },
      email: { set: { email: 'retyped@example.com' } },
      'email cleared': { set: { email: null }, expect: { email: null } },
      userId: { set: { userId: added.body.userId } },
    });
  });

  it('answers 400 naming the field for a patch that makes the resource invalid, and changes nothing', async () => {
    const tool = (await api('GET', `/tools/${toolId}`)).body;
    const res = await api('PATCH', `/tools/${toolId}`, { urlTemplate: 'ftp://x', description: 'changed' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'urlTemplate' })]);
    expect((await api('GET', `/tools/${toolId}`)).body).toEqual(tool);
    const nested = await api('PATCH', `/tools/${toolId}`, { auth: { type: 'none', extra: 1 } });
    expect(nested.status).toBe(400);
    expect(nested.body.errors).toEqual([expect.objectContaining({ path: 'auth.extra' })]);
    const notObject = await api('PATCH', `/tools/${toolId}`, [1, 2]);
    expect(notObject.status).toBe(400);
  });

  it('describes every PATCH as a merge patch in the OpenAPI document', async () => {
    const doc = (await t.request('GET', '/openapi.json')).body;
    const patches = Object.entries(doc.paths as Record<string, Record<string, { requestBody?: Json }>>).flatMap(
      ([path, ops]) => (ops.patch ? [[path, ops.patch] as const] : []),
    );
    expect(patches.length).toBeGreaterThanOrEqual(8);
    for (const [path, op] of patches) {
      expect(Object.keys((op.requestBody as { content: Json }).content), path).toEqual([
        'application/merge-patch+json',
        'application/json',
      ]);
    }
  });
});
