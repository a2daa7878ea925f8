import { describe, expect, it } from 'vitest';
import { standIn, standInStack } from '../testing/stand-in-stack.ts';
import type { StackEvent } from './events.ts';
import { HealthWaiter } from './health-waiter.ts';
import { Reconciler } from './reconciler.ts';
import { snapshotStack } from './resolve.ts';
import { FakeEngine } from './testing/fake-engine.ts';
import { UpgradeCancelled, Upgrader } from './upgrader.ts';

function parts(engine: FakeEngine, events: StackEvent[] = []) {
  const docker = engine.docker;
  let reconciler!: Reconciler;
  const project = { project: 'p' } as never;
  const waiter = new HealthWaiter({
    inspect: (s) => reconciler.inspect(project, s),
    tail: (s) => reconciler.tail(project, s),
    pollIntervalMs: 5,
    restartGraceMs: 20,
  });
  reconciler = new Reconciler({ docker, emit: (e) => events.push(e), waiter, healthTimeoutMs: 2_000 });
  const upgrader = new Upgrader({ docker, emit: (e) => events.push(e), reconciler, waiter, healthTimeoutMs: 2_000 });
  return { reconciler, upgrader };
}

const stack = (tags: Record<string, string>) =>
  snapshotStack(
    standInStack(
      'p',
      Object.entries(tags).map(([name, tag], i, all) =>
        standIn(name, {
          image: { repository: 'speaknode-test/busybox', tag },
          healthcheck: { test: ['CMD', 'true'] },
          dependsOn: i > 0 ? { [all[i - 1]![0]]: 'service_healthy' } : {},
        }),
      ),
    ),
  );

describe('Upgrader on an in-memory engine', () => {
  it('moves changed services one at a time in dependency order and leaves the others alone', async () => {
    const engine = new FakeEngine();
    for (const tag of ['1', '2']) engine.images.add(`speaknode-test/busybox:${tag}`);
    const { reconciler, upgrader } = parts(engine);
    await reconciler.up(stack({ db: '1', api: '1', web: '1' }));
    const dbId = engine.byService('db')!.Id;
    engine.calls.length = 0;
    const { report, kept } = await upgrader.upgrade(stack({ db: '1', api: '2', web: '2' }));
    expect(report.ok).toBe(true);
    expect(kept).toEqual([]);
    expect(report.services).toEqual([
      { service: 'db', result: 'unchanged' },
      { service: 'api', result: 'upgraded' },
      { service: 'web', result: 'upgraded' },
    ]);
    expect(engine.byService('db')!.Id).toBe(dbId);
    expect(engine.calls).toEqual([
      'stop api',
      'create api',
      'start api',
      'remove api',
      'stop web',
      'create web',
      'start web',
      'remove web',
    ]);
    expect(engine.byService('web')!.spec.Image).toBe('speaknode-test/busybox:2');
    expect([...engine.containers.values()].map((c) => c.Name).sort()).toEqual(['p-api', 'p-db', 'p-web']);
  });

  it('rolls a service whose new container is unhealthy back to the previous one, and stops there', async () => {
    const engine = new FakeEngine();
    for (const tag of ['1', '2']) engine.images.add(`speaknode-test/busybox:${tag}`);
    const events: StackEvent[] = [];
    const { reconciler, upgrader } = parts(engine, events);
    await reconciler.up(stack({ db: '1', api: '1', web: '1' }));
    const apiId = engine.byService('api')!.Id;
    engine.behave('api', 'unhealthy');
    const { report, kept } = await upgrader.upgrade(stack({ db: '2', api: '2', web: '2' }));
    expect(report.ok).toBe(false);
    expect(report.services.map((s) => [s.service, s.result])).toEqual([
      ['db', 'upgraded'],
      ['api', 'rolled-back'],
    ]);
    expect(report.services[1]!.error).toBe('api is unhealthy: exit code 1, output: connection refused');
    // The previous container runs again under its name; web was not touched.
    const api = engine.byService('api')!;
    expect(api).toMatchObject({ Id: apiId, Name: 'p-api', spec: { Image: 'speaknode-test/busybox:1' } });
    expect(api.State.Running).toBe(true);
    expect(engine.byService('web')!.spec.Image).toBe('speaknode-test/busybox:1');
    expect(kept).toEqual(['api', 'web']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'service', service: 'api', phase: 'rolled-back' }));
  });

  it('cancelled during a health wait: that service rolled back, and it says which ones kept their definition', async () => {
    const engine = new FakeEngine();
    for (const tag of ['1', '2']) engine.images.add(`speaknode-test/busybox:${tag}`);
    const { reconciler, upgrader } = parts(engine);
    await reconciler.up(stack({ db: '1', api: '1' }));
    engine.behave('db', 'hang');
    const controller = new AbortController();
    const upgrade = upgrader.upgrade(stack({ db: '2', api: '2' }), { signal: controller.signal });
    await expect.poll(() => engine.byName('p-db')?.spec.Image).toBe('speaknode-test/busybox:2');
    controller.abort();
    const error = await upgrade.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpgradeCancelled);
    expect((error as UpgradeCancelled).kept).toEqual(['db', 'api']);
    expect(engine.byService('db')!.spec.Image).toBe('speaknode-test/busybox:1');
    expect(engine.byService('db')!.State.Running).toBe(true);
  });
});
