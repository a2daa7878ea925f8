import type { JobContext } from '@livekit/agents';
import { ParticipantKind } from '@livekit/rtc-node';
import { AgentWorkerConfig, loadConfig } from '@speaknode/contracts/node';
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../control/control-client.ts';
import { ensureFrameworkLogger } from '../framework.ts';
import { type FakeControl, startFakeControl } from '../testing/control-server.ts';
import { AGENT_ID, runtimeConfig, SPACE_ID } from '../testing/fixtures.ts';
import { parseDispatchMetadata, runVoiceJob, transferTarget, withCallVariables } from './voice-job.ts';

let control: FakeControl;
let client: ControlClient;

beforeAll(async () => {
  ensureFrameworkLogger('silent');
  control = await startFakeControl();
  client = new ControlClient({
    baseUrl: control.url,
    configCacheMs: 0,
    tokens: new ServiceTokenSource({
      issuer: control.issuer,
      clientId: control.clientId,
      clientSecret: control.clientSecret,
    }),
  });
});

afterAll(async () => {
  await control.close();
});

function fakeJob(
  metadata: string,
  participant?: { kind: number; sid: string; identity: string; attributes: Record<string, string> },
  roomName = 'call-room-7',
) {
  const calls = { shutdown: [] as string[], deleteRoom: [] as Array<string | undefined>, connect: 0 };
  const ctx = {
    job: { id: 'AJ_test', metadata, room: { name: roomName } },
    waitForParticipant: async () => participant ?? new Promise(() => {}),
    shutdown: (reason: string) => calls.shutdown.push(reason),
    deleteRoom: async (name?: string) => {
      calls.deleteRoom.push(name);
    },
    connect: async () => {
      calls.connect++;
    },
    addShutdownCallback: () => {},
    room: { name: 'room-1', remoteParticipants: new Map() },
  } as unknown as JobContext;
  return { ctx, calls };
}

const deps = () => ({
  config: loadConfig('agent', AgentWorkerConfig, {}),
  control: client,
  vad: undefined,
  log: () => {},
});

const meta = (callId: string, agentId = AGENT_ID, spaceId = SPACE_ID) =>
  JSON.stringify({ callId, agentId, spaceId, channel: 'phone' });

describe('a voice job that cannot start', () => {
  it('refuses malformed dispatch metadata without touching control', async () => {
    expect(() => parseDispatchMetadata('{')).toThrow('not JSON');
    expect(() => parseDispatchMetadata('{"callId":"x"}')).toThrow('callId');
    const { ctx, calls } = fakeJob('not json');
    const before = control.updates.length;
    await runVoiceJob(ctx, deps());
    expect(calls.shutdown).toEqual(['invalid dispatch metadata']);
    expect(control.updates.length).toBe(before);
  });

  it('a SIP dispatch rule names no call: the job asks control for the SIP caller’s call and reports on it', async () => {
    const config = runtimeConfig('http://127.0.0.1:1/v1');
    control.configs.set(AGENT_ID, { ...config, credentials: {} });
    const room = `sip-d0000000-0000-4000-8000-000000000001-_+15551234567_abc`;
    const callId = 'a0000000-0000-4000-8000-000000000010';
    control.sipCalls.set(room, callId);
    const caller = {
      kind: ParticipantKind.SIP,
      sid: 'PA_caller',
      identity: 'sip_+15551234567',
      attributes: { 'sip.twilio.callSid': 'CA123', 'speaknode.callId': callId },
    };
    const rule = JSON.stringify({
      phoneNumberId: 'd0000000-0000-4000-8000-000000000001',
      spaceId: SPACE_ID,
      agentId: AGENT_ID,
      channel: 'phone',
    });
    const { ctx, calls } = fakeJob(rule, caller, room);
    await runVoiceJob(ctx, deps());
    expect(control.sipCallRequests.at(-1)).toEqual({
      roomName: room,
      participantSid: 'PA_caller',
      attributes: caller.attributes,
      spaceId: SPACE_ID,
      agentId: AGENT_ID,
    });
    // From here on it is that call's job: the missing credential fails that call.
    expect(control.updates.find((u) => u.callId === callId)?.update).toMatchObject({
      status: 'failed',
      spaceId: SPACE_ID,
      agentId: AGENT_ID,
    });
    expect(calls.connect).toBe(1);
  });

  it('a SIP dispatch whose room control does not know hangs up instead of leaving the caller in silence', async () => {
    const room = 'sip-d0000000-0000-4000-8000-000000000002-_+15551234567_abc';
    const rule = JSON.stringify({
      phoneNumberId: 'd0000000-0000-4000-8000-000000000002',
      spaceId: SPACE_ID,
      agentId: AGENT_ID,
      channel: 'phone',
    });
    const before = control.updates.length;
    const sip = { kind: ParticipantKind.SIP, sid: 'PA_x', identity: 'sip_x', attributes: {} };
    const { ctx, calls } = fakeJob(rule, sip, room);
    await runVoiceJob(ctx, deps());
    expect(calls.shutdown).toEqual(['no call for the SIP caller']);
    expect(calls.deleteRoom).toEqual([room]);
    expect(control.updates.length).toBe(before);
    // A participant that is not a SIP caller is not taken for one.
    const web = fakeJob(rule, { kind: ParticipantKind.STANDARD, sid: 'PA_w', identity: 'w', attributes: {} }, room);
    const asked = control.sipCallRequests.length;
    await runVoiceJob(web.ctx, deps());
    expect(web.calls.shutdown).toEqual(['no call for the SIP caller']);
    expect(control.sipCallRequests.length).toBe(asked);
  });

  it('fails the call with the missing credential named, and leaves the room', async () => {
    const config = runtimeConfig('http://127.0.0.1:1/v1');
    control.configs.set(AGENT_ID, { ...config, credentials: {} });
    const callId = 'a0000000-0000-4000-8000-000000000001';
    const { ctx, calls } = fakeJob(meta(callId));
    await runVoiceJob(ctx, deps());
    const update = control.updates.find((u) => u.callId === callId)?.update;
    // Named with the dispatch's space and agent: control refuses a post for another space's call.
    expect(update).toMatchObject({
      status: 'failed',
      endReason: 'provider_error',
      spaceId: SPACE_ID,
      agentId: AGENT_ID,
    });
    expect(update?.failureReason).toContain(`credential ${config.agent.llm.credentialId} is missing`);
    expect(calls.deleteRoom).toEqual(['call-room-7']);
    expect(calls.connect).toBe(0);
  });

  it('fails the call when the agent belongs to another space', async () => {
    control.configs.set(AGENT_ID, runtimeConfig('http://127.0.0.1:1/v1'));
    const callId = 'a0000000-0000-4000-8000-000000000002';
    const { ctx } = fakeJob(meta(callId, AGENT_ID, 'b0000000-0000-4000-8000-000000000000'));
    await runVoiceJob(ctx, deps());
    expect(control.updates.find((u) => u.callId === callId)?.update.failureReason).toContain(
      'does not belong to space',
    );
  });

  it('fails the call when control does not know the agent', async () => {
    const callId = 'a0000000-0000-4000-8000-000000000003';
    const { ctx } = fakeJob(meta(callId, 'c0000000-0000-4000-8000-000000000000'));
    await runVoiceJob(ctx, deps());
    const reason = control.updates.find((u) => u.callId === callId)?.update.failureReason;
    expect(reason).toContain("the agent's configuration could not be loaded");
    expect(reason).toContain('404');
  });

  it("fails the call when the agent's placeholders need variables control cannot give", async () => {
    const config = runtimeConfig('http://127.0.0.1:1/v1');
    control.configs.set(AGENT_ID, { ...config, agent: { ...config.agent, prompt: 'Call {{first_name}}.' } });
    const callId = 'a0000000-0000-4000-8000-000000000004';
    const { ctx, calls } = fakeJob(meta(callId));
    await runVoiceJob(ctx, deps());
    const reason = control.updates.find((u) => u.callId === callId)?.update.failureReason;
    expect(reason).toContain("the call's variables for the agent's placeholders could not be loaded");
    expect(calls.connect).toBe(0);
  });

  it("fills the agent's prompt and greeting with the call's variables, asking control only when needed", async () => {
    const config = runtimeConfig('http://127.0.0.1:1/v1');
    const callId = 'a0000000-0000-4000-8000-000000000005';
    control.summaries.set(callId, {
      callId,
      spaceId: SPACE_ID,
      agentId: AGENT_ID,
      channel: 'phone',
      status: 'ringing',
      roomName: 'call-room-7',
      fromNumber: '+14155550101',
      toNumber: '+442079460123',
      provider: 'twilio',
      variables: { first_name: 'Ann', phone_number: '+442079460123' },
    });
    const withPlaceholders = {
      ...config,
      agent: { ...config.agent, prompt: 'Call {{first_name}} at {{phone_number}}.', greeting: 'Hi {{first_name}}!' },
    };
    const filled = await withCallVariables(withPlaceholders, client, callId);
    expect(filled.agent.prompt).toBe('Call Ann at +442079460123.');
    expect(filled.agent.greeting).toBe('Hi Ann!');
    // No placeholders: the configuration as it is, without a request (this call has no summary).
    expect(await withCallVariables(config, client, 'a0000000-0000-4000-8000-000000000006')).toBe(config);
  });

  it('turns E.164 numbers into tel: URIs for SIP transfers', () => {
    expect(transferTarget('+14155550100')).toBe('tel:+14155550100');
    expect(transferTarget('sip:desk@pbx.example')).toBe('sip:desk@pbx.example');
  });
});
