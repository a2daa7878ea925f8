import { describe, expect, it } from 'vitest';
import { overallHealth } from './stack-health.ts';
import type { ServiceStatus, StackStatus } from './stack-ipc.ts';

const service = (name: string, extra: Partial<ServiceStatus> = {}): ServiceStatus => ({
  service: name,
  state: 'running',
  health: 'healthy',
  restarts: 0,
  image: 'x:1',
  current: true,
  ...extra,
});
const status = (services: ServiceStatus[], extra: Partial<StackStatus> = {}): StackStatus => ({
  project: 'p',
  engine: { address: '/s', ok: true },
  initialised: true,
  services,
  operations: [],
  at: 0,
  ...extra,
});

describe('overallHealth', () => {
  it('is healthy when every daemon runs healthy and every job finished', () => {
    const h = overallHealth(status([service('db'), service('job', { state: 'exited', exitCode: 0, health: 'none' })]));
    expect(h).toMatchObject({ level: 'healthy', label: 'Stack: healthy (2/2)' });
  });
  it('names what is not up', () => {
    const h = overallHealth(
      status([
        service('db'),
        service('api', { health: 'unhealthy' }),
        service('web', { state: 'exited', exitCode: 137 }),
      ]),
    );
    expect(h).toMatchObject({ level: 'degraded', up: 1, total: 3 });
    expect(h.label).toBe('Stack: 1/3 up; not up: api, web');
  });
  it('says when nothing is installed, the engine is away, or nothing is set up', () => {
    expect(overallHealth(status([service('db', { state: 'missing' })])).label).toBe('Stack: not installed');
    expect(overallHealth(status([], { engine: { address: '/s', ok: false } })).level).toBe('unknown');
    expect(overallHealth(status([], { initialised: false })).label).toBe('Stack: not set up yet');
    expect(overallHealth(undefined).level).toBe('unknown');
  });
});
