import { createHash, randomUUID } from 'node:crypto';
import {
  createEvent,
  LivekitWebhook,
  Topics,
  TwilioCallback,
  TwilioCallStatus,
  VoximplantCallback,
} from '@speaknode/contracts';
import { checkStreamToken } from '@speaknode/contracts/node';
import { AccessToken, WebhookReceiver } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLivekitServer } from '../livekit/testing/fake-livekit-server.ts';
import { agentBody } from '../testing/fixtures.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';
import { FakeTwilioServer } from './testing/fake-twilio-server.ts';
import { FakeVoximplantApi } from './testing/fake-voximplant-api.ts';

const LK_KEY = 'APIoutbound';
const LK_SECRET = 'outbound-secret-outbound-secret-outbound';
const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
const AUTH_TOKEN = 'twilio-auth-token-outbound';
const STREAM_SECRET = 'stream-secret-stream-secret-stream-secret';
const VOX_API_KEY = 'voximplant-api-key-outbound';
/** Real, dialable numbers in libphonenumber's metadata (UK drama ranges, a US number). */
const CALLEE = '+442079460123';
const OTHER_CALLEE = '+442079460456';

let t: TestControl;
let lk: FakeLivekitServer;
let tw: FakeTwilioServer;
let vox: FakeVoximplantApi;
let owner: string;
let spaceId: string;
let agentId: string;
let plainAgentId: string;
let streamNumberId: string;
let sipNumberId: string;
let voxNumberId: string;
let otherSpace: { spaceId: string; numberId: string; agentId: string };

const base = () => `/api/v1/spaces/${spaceId}`;
const call = (body: Record<string, unknown>) => t.request('POST', `${base()}/calls`, { token: owner, body });
const getCall = async (id: string) => (await t.request('GET', `${base()}/calls/${id}`, { token: owner })).body;
/** A status callback as the webhook receiver publishes it. */
const twilioStatus = (callSid: string, callStatus: string, callDurationSeconds?: number) =>
  t.control.ctx.callLifecycle.handle({
    event: createEvent(TwilioCallStatus, {
      source: 'webhooks',
      subject: callSid,
      data: {
        callSid,
        accountSid: ACCOUNT_SID,
        callStatus,
        ...(callDurationSeconds === undefined ? {} : { callDurationSeconds }),
        params: { CallSid: callSid, CallStatus: callStatus, Direction: 'outbound-api' },
      },
    }),
  });

async function spaceWithNumbers(name: string, numbers: [string, string, string]) {
  const created = await t.request('POST', '/api/v1/spaces', { token: owner, body: { name } });
  const id = created.body.id as string;
  const b = `/api/v1/spaces/${id}`;
  const key = await t.request('POST', `${b}/credentials`, {
    token: owner,
    body: { name: 'LLM', kind: 'openai', secret: 'sk-test-1234567890' },
  });
  const twilio = await t.request('POST', `${b}/credentials`, {
    token: owner,
    body: { name: 'Twilio', kind: 'twilio', secret: AUTH_TOKEN, settings: { accountSid: ACCOUNT_SID } },
  });
  const agent = await t.request('POST', `${b}/agents`, {
    token: owner,
    body: agentBody(key.body.id, {
      prompt: 'You call {{first_name}} about the appointment on {{ date }}. Their number is {{phone_number}}.',
      greeting: 'Hello {{first_name}}, this is the clinic.',
    }),
  });
  const plain = await t.request('POST', `${b}/agents`, { token: owner, body: agentBody(key.body.id) });
  const voximplant = await t.request('POST', `${b}/credentials`, {
    token: owner,
    body: {
      name: 'VoxImplant',
      kind: 'voximplant',
      secret: VOX_API_KEY,
      settings: { accountId: '4711', ruleId: '42' },
    },
  });
  const ids: string[] = [];
  for (const [provider, number, mode] of [
    ['twilio', numbers[0], 'stream'],
    ['twilio', numbers[1], 'sip'],
    ['voximplant', numbers[2], 'stream'],
  ] as const) {
    const res = await t.request('POST', `${b}/phone-numbers`, {
      token: owner,
      body: {
        provider,
        number,
        mode,
        agentId: agent.body.id,
        credentialId: provider === 'twilio' ? twilio.body.id : voximplant.body.id,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids.push(res.body.id);
  }
  return { spaceId: id, agentId: agent.body.id as string, plainAgentId: plain.body.id as string, ids };
}

beforeAll(async () => {
  lk = await new FakeLivekitServer(LK_KEY, LK_SECRET).start();
  tw = await new FakeTwilioServer({ [ACCOUNT_SID]: AUTH_TOKEN }).start();
  vox = await new FakeVoximplantApi({ '4711': { apiKey: VOX_API_KEY, ruleIds: ['42'] } }).start();
  t = await startTestControl({
    env: {
      LIVEKIT_URL: lk.url,
      LIVEKIT_API_KEY: LK_KEY,
      LIVEKIT_API_SECRET: LK_SECRET,
      LIVEKIT_SIP_OUTBOUND_TRUNK_ID: 'ST_outbound',
      TWILIO_API_URL: tw.url,
      VOXIMPLANT_API_URL: vox.url,
      WEBHOOKS_PUBLIC_URL: 'https://hooks.example.com/',
      BRIDGE_PUBLIC_URL: 'wss://media.example.com',
      SPEAKNODE_STREAM_SECRET: STREAM_SECRET,
    },
  });
  owner = await t.userToken('olga');
  const mine = await spaceWithNumbers('Outbound', ['+14155550101', '+14155550102', '+74955550103']);
  ({ spaceId, agentId, plainAgentId } = mine);
  [streamNumberId, sipNumberId, voxNumberId] = mine.ids as [string, string, string];
  const theirs = await spaceWithNumbers('Other', ['+14155550201', '+14155550202', '+74955550203']);
  otherSpace = { spaceId: theirs.spaceId, numberId: theirs.ids[0]!, agentId: theirs.agentId };
});
afterAll(async () => {
  await t?.close();
  await lk?.stop();
  await tw?.stop();
  await vox?.stop();
});

const variables = { first_name: 'Ann', date: 'Friday' };

/** A LiveKit `participant_joined` webhook as the receiver publishes it (signed and parsed by livekit-server-sdk). */
async function participantJoined(roomName: string, participant: Record<string, unknown>) {
  const body = JSON.stringify({
    id: randomUUID(),
    event: 'participant_joined',
    createdAt: String(Math.floor(Date.now() / 1000)),
    room: { name: roomName },
    participant: { sid: `PA_${randomUUID().slice(0, 8)}`, identity: 'callee', ...participant },
  });
  const token = new AccessToken(LK_KEY, LK_SECRET);
  token.sha256 = createHash('sha256').update(body).digest('base64');
  const received = await new WebhookReceiver(LK_KEY, LK_SECRET).receive(body, await token.toJwt());
  return createEvent(LivekitWebhook, {
    source: 'webhooks',
    subject: roomName,
    data: { event: received.event, roomName, payload: received.toJson() as Record<string, unknown> },
  });
}

describe('outbound calls from a Twilio stream-mode number', () => {
  it("creates the call through Twilio's REST API with TwiML that streams to the bridge with a valid stream token", async () => {
    const res = await call({ agentId, from: streamNumberId, to: CALLEE, variables });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const created = res.body;
    expect(created).toMatchObject({
      direction: 'outbound',
      channel: 'phone',
      provider: 'twilio',
      fromNumber: '+14155550101',
      toNumber: CALLEE,
      status: 'created',
    });
    const placed = tw.calls.at(-1)!;
    expect(created.providerCallId).toBe(placed.sid);
    expect(placed.params.To).toEqual([CALLEE]);
    expect(placed.params.From).toEqual(['+14155550101']);
    expect(placed.params.StatusCallback).toEqual(['https://hooks.example.com/twilio/status']);
    expect(placed.params.StatusCallbackEvent).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(placed.params.MachineDetection).toBeUndefined();
    const twiml = placed.params.Twiml![0]!;
    expect(twiml).toContain('<Connect><Stream url="wss://media.example.com/twilio">');
    expect(twiml).toContain(`<Parameter name="callId" value="${created.id}"/>`);
    const token = /name="streamToken" value="([^"]+)"/.exec(twiml)?.[1];
    expect(checkStreamToken(STREAM_SECRET, created.id, token)).toBe('valid');
    // The agent is dispatched into the call's room before anyone is dialled.
    expect(lk.rooms.has(created.roomName)).toBe(true);
    const dispatch = lk.dispatches.find((d) => d.room === created.roomName)!;
    expect(JSON.parse(dispatch.metadata)).toEqual({ callId: created.id, agentId, spaceId, channel: 'phone' });

    // The agent worker reads the values for the agent's {{name}} placeholders from the call summary.
    const summary = await t.request('GET', `/internal/v1/calls/${created.id}`, {
      token: await t.serviceToken('service:agent'),
    });
    expect(summary.body.variables).toEqual({ first_name: 'Ann', date: 'Friday', phone_number: CALLEE });

    // Twilio's status callbacks (through the receiver and the bus) move it like any call.
    await twilioStatus(placed.sid, 'ringing');
    expect((await getCall(created.id)).status).toBe('ringing');
    await twilioStatus(placed.sid, 'in-progress');
    expect((await getCall(created.id)).status).toBe('in_progress');
    await twilioStatus(placed.sid, 'completed', 42);
    const ended = await getCall(created.id);
    expect(ended).toMatchObject({ status: 'ended', durationSeconds: 42 });
    expect(ended.events.map((e: { detail: string }) => e.detail)).toContain('in_progress → ended (caller_hangup)');
  });

  it.each([
    ['busy', 'busy'],
    ['no-answer', 'no_answer'],
    ['failed', 'provider_error'],
  ])('Twilio status %s ends the call as failed with end reason %s', async (twilioStatusName, endReason) => {
    const res = await call({ agentId, from: streamNumberId, to: CALLEE, variables });
    expect(res.status).toBe(201);
    await twilioStatus(res.body.providerCallId, 'ringing');
    await twilioStatus(res.body.providerCallId, twilioStatusName);
    expect(await getCall(res.body.id)).toMatchObject({ status: 'failed', endReason });
  });

  it('with answering-machine detection, a voicemail greeting ends the call as voicemail and Twilio hangs up', async () => {
    const res = await call({ agentId, from: streamNumberId, to: CALLEE, variables, answeringMachineDetection: true });
    expect(res.status).toBe(201);
    const placed = tw.calls.at(-1)!;
    expect(placed.params).toMatchObject({
      MachineDetection: ['Enable'],
      AsyncAmd: ['true'],
      AsyncAmdStatusCallback: ['https://hooks.example.com/twilio/amd'],
    });
    await twilioStatus(placed.sid, 'in-progress');
    // Through the bus, as the receiver publishes Twilio's AMD callback.
    await t.control.ctx.bus.publish(Topics.webhooksTwilio, [
      createEvent(TwilioCallback, {
        source: 'webhooks',
        subject: placed.sid,
        data: { kind: 'amd', callSid: placed.sid, accountSid: ACCOUNT_SID, params: { AnsweredBy: 'machine_end_beep' } },
      }),
    ]);
    await expect.poll(async () => (await getCall(res.body.id)).endReason, { timeout: 10_000 }).toBe('voicemail');
    expect((await getCall(res.body.id)).status).toBe('ended');
    await expect.poll(() => placed.status, { timeout: 10_000 }).toBe('completed');
  });

  it('a human answering leaves the call running', async () => {
    const res = await call({ agentId, from: streamNumberId, to: CALLEE, variables, answeringMachineDetection: true });
    const placed = tw.calls.at(-1)!;
    await twilioStatus(placed.sid, 'in-progress');
    await t.control.ctx.bus.publish(Topics.webhooksTwilio, [
      createEvent(TwilioCallback, {
        source: 'webhooks',
        subject: placed.sid,
        data: { kind: 'amd', callSid: placed.sid, accountSid: ACCOUNT_SID, params: { AnsweredBy: 'human' } },
      }),
    ]);
    await expect
      .poll(async () => (await getCall(res.body.id)).events.map((e: { detail: string }) => e.detail).join('\n'), {
        timeout: 10_000,
      })
      .toContain('answering-machine detection: human');
    expect((await getCall(res.body.id)).status).toBe('in_progress');
    expect(placed.status).toBe('queued');
  });

  it('a call Twilio refuses is a 502 naming Twilio’s error, and the call is recorded as failed', async () => {
    tw.refuseNext = { status: 400, code: 21215, message: 'Account not authorized to call +442079460123' };
    const res = await call({ agentId, from: streamNumberId, to: CALLEE, variables });
    expect(res.status).toBe(502);
    expect(res.body.detail).toContain('21215');
    expect(await getCall(res.body.callId)).toMatchObject({ status: 'failed', endReason: 'provider_error' });
  });
});

describe('outbound calls from a SIP-mode number (LiveKit SIP)', () => {
  it("dials through the outbound trunk into the call's room and is in progress once answered", async () => {
    let answer: () => void = () => {};
    lk.sipCallee = () => new Promise((resolve) => (answer = () => resolve({ answer: true })));
    const res = await call({ agentId, from: sipNumberId, to: CALLEE, variables });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBe('ringing');
    await expect.poll(() => lk.sipCalls.length).toBeGreaterThan(0);
    const request = lk.sipCalls.at(-1)!;
    expect(request).toMatchObject({
      sipTrunkId: 'ST_outbound',
      sipCallTo: CALLEE,
      sipNumber: '+14155550102',
      roomName: res.body.roomName,
      waitUntilAnswered: true,
    });
    expect(lk.dispatches.some((d) => d.room === res.body.roomName)).toBe(true);
    expect((await getCall(res.body.id)).status).toBe('ringing');
    answer();
    await expect.poll(async () => (await getCall(res.body.id)).status).toBe('in_progress');
  });

  it("stays ringing while LiveKit's webhooks show the callee in the room still being dialled", async () => {
    let answer: () => void = () => {};
    lk.sipCallee = () => new Promise((resolve) => (answer = () => resolve({ answer: true })));
    const res = await call({ agentId, from: sipNumberId, to: CALLEE, variables });
    const joined = (callStatus: string) =>
      participantJoined(res.body.roomName, { kind: 'SIP', attributes: { 'sip.callStatus': callStatus } });
    await t.control.ctx.callLifecycle.handle({ event: await joined('dialing') });
    await t.control.ctx.callLifecycle.handle({ event: await joined('ringing') });
    expect((await getCall(res.body.id)).status).toBe('ringing');
    await t.control.ctx.callLifecycle.handle({ event: await joined('active') });
    expect((await getCall(res.body.id)).status).toBe('in_progress');
    answer();
  });

  it.each([
    [486, 'Busy Here', 'busy'],
    [480, 'Temporarily Unavailable', 'no_answer'],
    [503, 'Service Unavailable', 'provider_error'],
  ])('a SIP %i (%s) ends the call as failed with end reason %s', async (sipStatusCode, sipStatus, endReason) => {
    lk.sipCallee = () => ({ answer: false, sipStatusCode, sipStatus });
    const res = await call({ agentId, from: sipNumberId, to: CALLEE, variables });
    expect(res.status).toBe(201);
    await expect.poll(async () => (await getCall(res.body.id)).status).toBe('failed');
    const failed = await getCall(res.body.id);
    expect(failed.endReason).toBe(endReason);
    expect(failed.failureReason).toContain(String(sipStatusCode));
  });
});

describe('outbound calls from a VoxImplant number', () => {
  const voxEvent = (callId: string, event: string, payload: Record<string, unknown> = {}) =>
    t.control.ctx.callLifecycle.handle({
      event: createEvent(VoximplantCallback, {
        source: 'webhooks',
        subject: callId,
        data: { accountId: '4711', callId, event, payload },
      }),
    });

  it("starts Speaknode's scenario through the HTTP API with the call's id, stream token and numbers", async () => {
    const res = await call({ agentId, from: voxNumberId, to: CALLEE, variables });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ provider: 'voximplant', status: 'ringing', providerCallId: res.body.id });
    const started = vox.started.at(-1)!;
    expect(started).toMatchObject({ accountId: '4711', ruleId: '42' });
    expect(Buffer.byteLength(started.customData)).toBeLessThanOrEqual(200);
    const data = JSON.parse(started.customData);
    expect(data).toMatchObject({ o: 1, c: res.body.id, to: CALLEE, from: '+74955550103' });
    expect(checkStreamToken(STREAM_SECRET, res.body.id, data.t)).toBe('valid');
    expect(lk.dispatches.some((d) => d.room === res.body.roomName)).toBe(true);
    // The scenario's callbacks name the call by our id.
    await voxEvent(res.body.id, 'connected');
    expect((await getCall(res.body.id)).status).toBe('in_progress');
    await voxEvent(res.body.id, 'disconnected', { duration: 17, initiator: 'caller' });
    expect(await getCall(res.body.id)).toMatchObject({ status: 'ended', durationSeconds: 17 });
  });

  it.each([
    [486, 'busy'],
    [480, 'no_answer'],
    [500, 'provider_error'],
  ])('a call the scenario could not connect (SIP %i) fails with end reason %s', async (code, endReason) => {
    const res = await call({ agentId, from: voxNumberId, to: CALLEE, variables });
    await voxEvent(res.body.id, 'failed', { code, reason: 'did not connect' });
    expect(await getCall(res.body.id)).toMatchObject({ status: 'failed', endReason });
  });

  it('a scenario VoxImplant refuses to start is a 502 naming its error, and the call is failed', async () => {
    const rules = vox.accounts['4711']!.ruleIds;
    vox.accounts['4711']!.ruleIds = [];
    try {
      const res = await call({ agentId, from: voxNumberId, to: CALLEE, variables });
      expect(res.status).toBe(502);
      expect(res.body.detail).toContain('181');
      expect(await getCall(res.body.callId)).toMatchObject({ status: 'failed', endReason: 'provider_error' });
    } finally {
      vox.accounts['4711']!.ruleIds = rules;
    }
  });
});

describe('Idempotency-Key', () => {
  const keyed = (key: string, body: Record<string, unknown>) =>
    t.request('POST', `${base()}/calls`, { token: owner, body, headers: { 'Idempotency-Key': key } });

  it('a retried request returns the first call and dials nobody again', async () => {
    const before = tw.calls.length;
    const first = await keyed('retry-1', { agentId, from: streamNumberId, to: CALLEE, variables });
    expect(first.status).toBe(201);
    const again = await keyed('retry-1', { agentId, from: streamNumberId, to: CALLEE, variables });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(tw.calls.length).toBe(before + 1);
    const other = await keyed('retry-1', { agentId, from: streamNumberId, to: OTHER_CALLEE, variables });
    expect(other.status).toBe(422);
    expect(tw.calls.length).toBe(before + 1);
  });

  it('a refused request frees its key; a provider failure is the answer to every repeat', async () => {
    const bad = await keyed('retry-2', { agentId, from: streamNumberId, to: CALLEE });
    expect(bad.status).toBe(422);
    expect((await keyed('retry-2', { agentId, from: streamNumberId, to: CALLEE, variables })).status).toBe(201);
    tw.refuseNext = { status: 400, code: 21215, message: 'not authorized' };
    const refused = await keyed('retry-3', { agentId, from: streamNumberId, to: CALLEE, variables });
    expect(refused.status).toBe(502);
    const before = tw.calls.length;
    const repeat = await keyed('retry-3', { agentId, from: streamNumberId, to: CALLEE, variables });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ id: refused.body.callId, status: 'failed' });
    expect(tw.calls.length).toBe(before);
  });

  it('refuses a key that is not visible ASCII', async () => {
    expect((await keyed('has space', { agentId, from: streamNumberId, to: CALLEE, variables })).status).toBe(400);
  });
});

describe('an outbound call nothing more is heard of', () => {
  it('is failed by the reconcile loop long after any ringing timeout, saying what to check', async () => {
    const res = await call({ agentId, from: streamNumberId, to: CALLEE, variables });
    expect(res.status).toBe(201);
    const fresh = await call({ agentId, from: streamNumberId, to: CALLEE, variables });
    await t.database.pool.query("UPDATE calls SET created_at = now() - interval '20 minutes' WHERE id = $1", [
      res.body.id,
    ]);
    expect(await t.control.ctx.callLifecycle.failUnansweredOutbound()).toBe(1);
    const failed = await getCall(res.body.id);
    expect(failed).toMatchObject({ status: 'failed', endReason: 'error' });
    expect(failed.failureReason).toContain('WEBHOOKS_PUBLIC_URL');
    expect((await getCall(fresh.body.id)).status).toBe('created');
  });
});

describe('variables of inbound calls', () => {
  it("fill phone_number with the caller's number", async () => {
    const id = randomUUID();
    await t.control.ctx.callInserter.insert({
      id,
      spaceId,
      agentId,
      channel: 'phone',
      transport: 'voice',
      status: 'ringing',
      roomName: `call-${id}`,
      provider: 'twilio',
      providerCallId: `CA${id.replaceAll('-', '')}`,
      fromNumber: '+14155550999',
      toNumber: '+14155550101',
    });
    const summary = await t.request('GET', `/internal/v1/calls/${id}`, {
      token: await t.serviceToken('service:agent'),
    });
    expect(summary.body.variables).toEqual({ phone_number: '+14155550999' });
  });
});

describe('what an outbound call is refused for', () => {
  it.each([
    ['+4420794', 'to'],
    ['02079460123', 'to'],
    ['+1 555 000 0000', 'to'],
  ])('a number that is not dialable (%s) is a 422 on %s', async (to, path) => {
    const res = await call({ agentId, from: streamNumberId, to, variables });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe(path);
  });

  it('formats a valid number to E.164', async () => {
    const res = await call({ agentId, from: streamNumberId, to: '+44 20 7946 0123', variables });
    expect(res.status).toBe(201);
    expect(res.body.toNumber).toBe(CALLEE);
  });

  it('honours the do-not-call list, and calls again once the number is off it', async () => {
    const added = await t.request('POST', `${base()}/do-not-call`, {
      token: owner,
      body: { number: '+44 20 7946 0456', reason: 'asked not to be called' },
    });
    expect(added.status).toBe(201);
    expect(added.body.number).toBe(OTHER_CALLEE);
    const again = await t.request('POST', `${base()}/do-not-call`, { token: owner, body: { number: OTHER_CALLEE } });
    expect(again.status).toBe(200);
    const before = tw.calls.length;
    const refused = await call({ agentId, from: streamNumberId, to: OTHER_CALLEE, variables });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('do-not-call');
    expect(tw.calls.length).toBe(before);
    const list = await t.request('GET', `${base()}/do-not-call`, { token: owner });
    expect(list.body.items).toEqual([
      expect.objectContaining({ number: OTHER_CALLEE, reason: 'asked not to be called' }),
    ]);
    // Another space's list is its own.
    const theirs = await t.request('GET', `/api/v1/spaces/${otherSpace.spaceId}/do-not-call`, { token: owner });
    expect(theirs.body.items).toEqual([]);
    const removed = await t.request('DELETE', `${base()}/do-not-call/${encodeURIComponent(OTHER_CALLEE)}`, {
      token: owner,
    });
    expect(removed.status).toBe(204);
    expect((await call({ agentId, from: streamNumberId, to: OTHER_CALLEE, variables })).status).toBe(201);
  });

  it("names the variables the agent's prompt and greeting need that the request lacks", async () => {
    const before = tw.calls.length;
    const res = await call({ agentId, from: streamNumberId, to: CALLEE, variables: { first_name: 'Ann' } });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('variables');
    expect(res.body.detail).toContain('{{date}}');
    expect(res.body.detail).not.toContain('first_name');
    expect(res.body.detail).not.toContain('phone_number');
    expect(tw.calls.length).toBe(before);
    // An agent without placeholders needs none.
    expect((await call({ agentId: plainAgentId, from: streamNumberId, to: CALLEE })).status).toBe(201);
  });

  it("refuses another space's number and agent", async () => {
    const theirNumber = await call({ agentId, from: otherSpace.numberId, to: CALLEE, variables });
    expect(theirNumber.status).toBe(422);
    expect(theirNumber.body.errors[0].path).toBe('from');
    const theirAgent = await call({ agentId: otherSpace.agentId, from: streamNumberId, to: CALLEE, variables });
    expect(theirAgent.status).toBe(422);
    expect(theirAgent.body.errors[0].path).toBe('agentId');
  });

  it('needs the editor role', async () => {
    const viewer = await t.userToken('vera');
    await t.request('POST', `${base()}/members`, { token: owner, body: { subject: 'vera', role: 'viewer' } });
    const res = await t.request('POST', `${base()}/calls`, {
      token: viewer,
      body: { agentId, from: streamNumberId, to: CALLEE, variables },
    });
    expect(res.status).toBe(403);
  });

  it('answers a malformed body with 400 naming the fields', async () => {
    const res = await call({ agentId, from: streamNumberId, to: CALLEE, variables: { 'bad name': 'x' }, extra: 1 });
    expect(res.status).toBe(400);
  });
});
