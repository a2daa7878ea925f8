import type { JobContext } from '@livekit/agents';
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

function fakeJob(metadata: string) {
  const calls = { shutdown: [] as string[], deleteRoom: [] as Array<string | undefined>, connect: 0 };
  const ctx = {
    job: { id: 'AJ_test', metadata, room: { name: 'call-room-7' } },
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
