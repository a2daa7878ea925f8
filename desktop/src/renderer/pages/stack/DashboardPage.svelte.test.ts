// @vitest-environment jsdom
import { render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceStatus, StackStatus } from '../../../shared/stack-ipc.ts';
import DashboardPage from './DashboardPage.svelte';
import InstallProgress from './InstallProgress.svelte';
import { stackState } from './stack-store.svelte.ts';

const service = (s: Partial<ServiceStatus> & { service: string }): ServiceStatus => ({
  state: 'running',
  health: 'healthy',
  restarts: 0,
  image: 'speaknode-test/busybox:1',
  current: true,
  ...s,
});
const statusOf = (services: ServiceStatus[]): StackStatus => ({
  project: 'h17',
  engine: { address: 'unix:///tmp/docker.sock', ok: true },
  initialised: true,
  services,
  operations: [],
  at: Date.now(),
});

afterEach(() => {
  stackState.status = undefined;
});

describe('the Stack dashboard’s cards', () => {
  it('show how a stopped service ended, not the engine’s stale health of its last run', () => {
    stackState.status = statusOf([
      // What the engine reports for a killed container whose last probe had failed.
      service({
        service: 'api',
        state: 'exited',
        exitCode: 137,
        health: 'unhealthy',
        healthDetail: 'exit code 1: connection refused',
      }),
      service({ service: 'web', health: 'unhealthy', healthDetail: 'exit code 1: wget: server returned error' }),
    ]);
    render(DashboardPage);
    const api = screen.getByRole('listitem', { name: 'api' });
    expect(api.dataset.state).toBe('exited');
    expect(api.dataset.health).toBe('none');
    expect(within(api).queryByText(/unhealthy/)).toBeNull();
    expect(within(api).queryByLabelText('Last health check')).toBeNull();
    expect(within(api).getByText('– (not running, exit code 137)')).toBeTruthy();

    // A running service that fails its checks keeps its health and the last probe's output.
    const web = screen.getByRole('listitem', { name: 'web' });
    expect(within(web).getByText('unhealthy')).toBeTruthy();
    expect(within(web).getByLabelText('Last health check').textContent).toContain('wget: server returned error');
  });
});

describe('the install progress', () => {
  it('lists the services in the stack’s order, whatever order their events came in', () => {
    const at = Date.now();
    const entries = (['web', 'db', 'extra', 'api'] as const).map((name, i) => ({
      event: { type: 'service' as const, service: name, phase: 'healthy' as const, elapsedMs: 100 * i },
      at: at + i,
    }));
    render(InstallProgress, { entries, running: false, order: ['db', 'api', 'web'] });
    const table = screen.getByRole('table', { name: 'Services' });
    const names = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((row) => row.querySelector('td')?.textContent);
    expect(names).toEqual(['db', 'api', 'web', 'extra']);
  });
});
