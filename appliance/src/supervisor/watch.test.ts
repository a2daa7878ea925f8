import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { standIn, standInStack } from '../testing/stand-in-stack.ts';
import { EngineEventStream } from './engine-events.ts';
import { HealthWaiter } from './health-waiter.ts';
import { Reconciler } from './reconciler.ts';
import { snapshotStack } from './resolve.ts';
import { FakeEngine } from './testing/fake-engine.ts';
import { readWatchJournal, StackWatcher } from './watch.ts';

const stack = snapshotStack(
  standInStack('p', [
    standIn('api', { healthcheck: { test: ['CMD', 'true'] } }),
    standIn('job', { kind: 'oneshot' }),
    standIn('tool', { restart: 'no' }),
  ]),
);

async function running() {
  const engine = new FakeEngine();
  engine.images.add('speaknode-test/busybox:1');
  engine.behave('job', 'exit0');
  let r!: Reconciler;
  const waiter = new HealthWaiter({ inspect: (s) => r.inspect(stack, s), tail: async () => '', pollIntervalMs: 5 });
  r = new Reconciler({ docker: engine.docker, emit: () => {}, waiter, healthTimeoutMs: 2_000 });
  expect((await r.up(stack)).ok).toBe(true);
  return { engine, reconciler: r };
}

describe('StackWatcher (in-memory engine)', () => {
  let dir: string;
  let watcher: StackWatcher | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sn-watch-'));
  });
  afterEach(async () => {
    watcher?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('brings back a killed daemon, counts it in its journal, and says when it gives up', async () => {
    const { engine } = await running();
    const journal = join(dir, 'watch.json');
    watcher = await new StackWatcher({
      docker: engine.docker,
      stack,
      restartUnhealthy: true,
      maxRestarts: 2,
      settleMs: 5,
      journal,
    }).start();
    const api = engine.byService('api')!;
    for (let i = 1; i <= 2; i++) {
      engine.kill('api');
      await expect.poll(() => watcher!.summary().api?.restarts).toBe(i);
      expect(api.State.Running).toBe(true);
    }
    engine.kill('api');
    await expect
      .poll(() => watcher!.records.find((r) => r.event === 'gave-up'))
      .toMatchObject({
        service: 'api',
        detail: expect.stringMatching(/restarted 2 times in 10 min; left as it is: see `speaknode logs api`/),
      });
    expect(api.State.Running).toBe(false);
    await watcher.flushed();
    const written = await readWatchJournal(journal);
    expect(written?.services.api).toMatchObject({ containerId: api.Id, restarts: 2, gaveUp: expect.any(String) });
    expect(watcher.records.filter((r) => r.event === 'crashed')).toHaveLength(3);
    // Started by somebody else: a fresh chance, and the journal says so.
    await engine.docker.getContainer(api.Id).start();
    await expect.poll(() => watcher!.summary().api?.gaveUp).toBeUndefined();
    engine.kill('api');
    await expect.poll(() => watcher!.summary().api?.restarts).toBe(3);
  });

  it('restarts a daemon whose health check turns unhealthy; leaves jobs and restart: no services alone', async () => {
    const { engine } = await running();
    watcher = await new StackWatcher({ docker: engine.docker, stack, restartUnhealthy: true, settleMs: 5 }).start();
    engine.calls.length = 0;
    engine.kill('tool');
    engine.behave('api', 'unhealthy');
    await engine.docker.getContainer(engine.byService('api')!.Id).restart();
    await expect.poll(() => engine.calls.filter((c) => c === 'restart api').length).toBeGreaterThanOrEqual(2);
    await expect.poll(() => watcher!.records.some((r) => r.event === 'restarted' && r.service === 'api')).toBe(true);
    expect(engine.byService('tool')!.State.Running).toBe(false);
    expect(engine.calls).not.toContain('start tool');
    expect(engine.calls).not.toContain('start job');
  });

  it('looks at every service when it starts and after its event stream came back', async () => {
    const { engine } = await running();
    engine.kill('api');
    const events = new EngineEventStream(engine.docker, 'p', { reconnectMs: 5 });
    watcher = await new StackWatcher({
      docker: engine.docker,
      stack,
      restartUnhealthy: true,
      settleMs: 5,
      events,
    }).start();
    await expect.poll(() => engine.byService('api')!.State.Running).toBe(true);
    // Down while the stream is gone: no event arrives, the sweep after the reconnect finds it.
    engine.dropEvents();
    engine.kill('api');
    await expect.poll(() => events.connections).toBe(2);
    await expect.poll(() => engine.byService('api')!.State.Running).toBe(true);
    expect(watcher.summary().api?.restarts).toBe(2);
  });

  it('without restartUnhealthy it only records', async () => {
    const { engine } = await running();
    watcher = await new StackWatcher({ docker: engine.docker, stack, settleMs: 5 }).start();
    engine.kill('api');
    await expect.poll(() => watcher!.records.map((r) => r.event)).toContain('crashed');
    expect(watcher.records.find((r) => r.event === 'crashed')).toMatchObject({ service: 'api', exitCode: 137 });
    expect(engine.byService('api')!.State.Running).toBe(false);
  });
});
