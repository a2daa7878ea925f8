import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeControl, startFakeControl } from '../testing/control-server.ts';
import { AGENT_ID, CALL_ID, runtimeConfig } from '../testing/fixtures.ts';
import { ControlApiError, ControlClient } from './control-client.ts';

let control: FakeControl;
beforeAll(async () => {
  control = await startFakeControl();
});
afterAll(async () => {
  await control.close();
});

const tokens = () =>
  new ServiceTokenSource({ issuer: control.issuer, clientId: control.clientId, clientSecret: control.clientSecret });

describe('ControlClient', () => {
  it('caches the runtime configuration briefly and picks up a new version after that', async () => {
    let now = 1_000;
    const client = new ControlClient({ baseUrl: control.url, tokens: tokens(), configCacheMs: 5_000, now: () => now });
    control.configs.set(AGENT_ID, { ...runtimeConfig('http://127.0.0.1:1/v1'), version: '3' });
    const fetchesBefore = control.configFetches;
    const [a, b] = await Promise.all([client.agentRuntimeConfig(AGENT_ID), client.agentRuntimeConfig(AGENT_ID)]);
    expect(a.version).toBe('3');
    expect(b).toBe(a);
    expect(control.configFetches - fetchesBefore).toBe(1); // concurrent callers share one request

    control.configs.set(AGENT_ID, { ...runtimeConfig('http://127.0.0.1:1/v1'), version: '4' });
    now += 4_000;
    expect((await client.agentRuntimeConfig(AGENT_ID)).version).toBe('3'); // still cached
    now += 2_000;
    expect((await client.agentRuntimeConfig(AGENT_ID)).version).toBe('4');
    expect(control.configFetches - fetchesBefore).toBe(2);
  });

  it('sends a client-credentials token and validates what control returns', async () => {
    const client = new ControlClient({ baseUrl: control.url, tokens: tokens(), configCacheMs: 0 });
    await client.callUpdate(CALL_ID, { status: 'in_progress' });
    expect(control.updates.at(-1)).toEqual({ callId: CALL_ID, update: { status: 'in_progress' } });

    control.configs.set('d0000000-0000-4000-8000-000000000000', { nonsense: true } as never);
    await expect(client.agentRuntimeConfig('d0000000-0000-4000-8000-000000000000')).rejects.toThrow(
      'does not match the contract',
    );
  });

  it('reports a refused token and an unreachable control clearly', async () => {
    const anonymous = new ControlClient({ baseUrl: control.url, configCacheMs: 0 });
    const refused = await anonymous.callUpdate(CALL_ID, { status: 'ended' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ControlApiError);
    expect((refused as ControlApiError).status).toBe(401);

    const down = new ControlClient({ baseUrl: 'http://127.0.0.1:1', configCacheMs: 0 });
    await expect(down.agentRuntimeConfig(AGENT_ID)).rejects.toThrow('control at http://127.0.0.1:1 did not answer');
  });

  it('fetches a new token once when control refuses the cached one', async () => {
    const client = new ControlClient({ baseUrl: control.url, tokens: tokens(), configCacheMs: 0 });
    await client.callUpdate(CALL_ID, { status: 'in_progress' });
    const issued = control.tokensIssued;
    control.revokeTokens();
    await client.callUpdate(CALL_ID, { status: 'ended', endReason: 'caller_hangup' });
    expect(control.tokensIssued).toBe(issued + 1);
    expect(control.updates.at(-1)?.update).toEqual({ status: 'ended', endReason: 'caller_hangup' });
  });
});
