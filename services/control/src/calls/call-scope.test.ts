import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody } from '../testing/fixtures.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';

/**
 * The agent worker touches a call only for the space and agent of its dispatch: a post naming
 * another space or agent answers 404 (like a missing call) and writes nothing.
 */
describe(`internal call routes check the space and agent (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded'})`, () => {
  let t: TestControl;
  let agentToken: string;
  const spaces: Record<'a' | 'b', { spaceId: string; agentId: string }> = {} as never;

  beforeAll(async () => {
    t = await startTestControl();
    agentToken = await t.serviceToken('service:agent');
    for (const name of ['a', 'b'] as const) {
      const owner = await t.userToken(`scope-owner-${name}`);
      const spaceId = (await t.request('POST', '/api/v1/spaces', { token: owner, body: { name } })).body.id;
      const credential = await t.request('POST', `/api/v1/spaces/${spaceId}/credentials`, {
        token: owner,
        body: { name: 'k', kind: 'openai', secret: 'sk-test-1234567890' },
      });
      const agentId = (
        await t.request('POST', `/api/v1/spaces/${spaceId}/agents`, {
          token: owner,
          body: agentBody(credential.body.id),
        })
      ).body.id;
      spaces[name] = { spaceId, agentId };
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  async function callOfB(): Promise<string> {
    const id = randomUUID();
    await t.control.ctx.callInserter.insert({
      id,
      ...spaces.b,
      channel: 'test',
      transport: 'text',
      status: 'created',
      roomName: `call-${id}`,
    });
    return id;
  }

  async function stateOf(callId: string) {
    const db = t.database.pool;
    return {
      call: (await db.query('SELECT status, end_reason FROM calls WHERE id = $1', [callId])).rows,
      turns: (await db.query('SELECT * FROM call_transcript_turns WHERE call_id = $1', [callId])).rows,
      usage: (await db.query('SELECT * FROM call_usage WHERE call_id = $1', [callId])).rows,
    };
  }

  const posts = (callId: string) => ({
    updates: { path: `/internal/v1/calls/${callId}/updates`, body: { status: 'ended', endReason: 'agent_hangup' } },
    transcript: {
      path: `/internal/v1/calls/${callId}/transcript`,
      body: { sequence: 0, turns: [{ speaker: 'agent', text: 'Hi from A', startedAt: new Date().toISOString() }] },
    },
    usage: { path: `/internal/v1/calls/${callId}/usage`, body: { callSeconds: 5 } },
  });

  it("answers 404 to another space's or another agent's scope on updates, transcript and usage, writing nothing", async () => {
    const callId = await callOfB();
    const before = await stateOf(callId);
    const wrongScopes = [
      spaces.a,
      { spaceId: spaces.b.spaceId, agentId: spaces.a.agentId },
      { spaceId: spaces.a.spaceId, agentId: spaces.b.agentId },
    ];
    for (const scope of wrongScopes) {
      for (const [name, post] of Object.entries(posts(callId))) {
        const res = await t.request('POST', post.path, { token: agentToken, body: { ...post.body, ...scope } });
        expect(res.status, `${name} ${JSON.stringify(scope)}`).toBe(404);
        expect(res.body.detail).toBe(`no call ${callId}`);
      }
    }
    expect(await stateOf(callId)).toEqual(before);
  });

  it('refuses a post of the agent worker that names no scope, with 400 naming the fields', async () => {
    const callId = await callOfB();
    for (const post of Object.values(posts(callId))) {
      const res = await t.request('POST', post.path, { token: agentToken, body: post.body });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['spaceId', 'agentId']);
    }
  });

  it("accepts the call's own scope, and the bridge's update without one", async () => {
    const callId = await callOfB();
    for (const post of Object.values(posts(callId))) {
      const res = await t.request('POST', post.path, { token: agentToken, body: { ...post.body, ...spaces.b } });
      expect(res.status, post.path).toBe(204);
    }
    const after = await stateOf(callId);
    expect(after.call[0]).toMatchObject({ status: 'ended' });
    expect(after.turns).toHaveLength(1);
    expect(after.usage[0].usage).toMatchObject({ callSeconds: 5 });
    expect(after.usage[0].usage).not.toHaveProperty('spaceId');
    const bridge = await t.request('POST', `/internal/v1/calls/${await callOfB()}/updates`, {
      token: await t.serviceToken('service:bridge'),
      body: { status: 'ended', endReason: 'caller_hangup' },
    });
    expect(bridge.status).toBe(204);
  });

  it('gives the agent a SIP number’s rule dispatched the caller’s call, only for that number’s space and agent', async () => {
    const owner = await t.userToken('scope-owner-b');
    const twilio = await t.request('POST', `/api/v1/spaces/${spaces.b.spaceId}/credentials`, {
      token: owner,
      body: { name: 'tw', kind: 'twilio', secret: 'twilio-auth-token-1', settings: { accountSid: 'AC1' } },
    });
    const number = await t.request('POST', `/api/v1/spaces/${spaces.b.spaceId}/phone-numbers`, {
      token: owner,
      body: {
        provider: 'twilio',
        number: '+14155550177',
        mode: 'sip',
        agentId: spaces.b.agentId,
        credentialId: twilio.body.id,
      },
    });
    expect(number.status).toBe(201);
    const callId = randomUUID();
    const caller = {
      roomName: `sip-${number.body.id}-_+15551230000_ab`,
      participantSid: 'PA_caller1',
      // The receiver's X-Speaknode-Call-Id header, mapped to this attribute by our trunk.
      attributes: { 'speaknode.callId': callId, 'sip.twilio.callSid': 'CA1', 'sip.phoneNumber': '+15551230000' },
    };
    const ask = (scope: { spaceId: string; agentId: string }, body: object = caller) =>
      t.request('POST', '/internal/v1/sip-calls', { token: agentToken, body: { ...body, ...scope } });
    for (const scope of [spaces.a, { spaceId: spaces.b.spaceId, agentId: spaces.a.agentId }]) {
      expect((await ask(scope)).status, JSON.stringify(scope)).toBe(404);
    }
    expect((await t.database.pool.query('SELECT 1 FROM calls WHERE id = $1', [callId])).rowCount).toBe(0);
    const first = await ask(spaces.b);
    expect(first).toMatchObject({ status: 200, body: { callId } });
    // Asked again (a lost answer, or LiveKit's webhook first): the same call, not a second one.
    expect((await ask(spaces.b)).body).toEqual({ callId });
    const calls = await t.database.pool.query('SELECT room_name, from_number, channel FROM calls WHERE id = $1', [
      callId,
    ]);
    expect(calls.rows).toEqual([{ room_name: caller.roomName, from_number: '+15551230000', channel: 'phone' }]);
    expect((await ask(spaces.b, { ...caller, roomName: 'call-not-a-sip-room' })).status).toBe(404);
    expect((await ask(spaces.b, { ...caller, extra: 1 })).status).toBe(400);
    const bridge = await t.request('POST', '/internal/v1/sip-calls', {
      token: await t.serviceToken('service:bridge'),
      body: { ...caller, ...spaces.b },
    });
    expect(bridge.status).toBe(403);
  });
});
