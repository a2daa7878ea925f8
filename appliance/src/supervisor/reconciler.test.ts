import { describe, expect, it } from 'vitest';
import { standIn, standInStack } from '../testing/stand-in-stack.ts';
import type { StackEvent } from './events.ts';
import { HealthWaiter } from './health-waiter.ts';
import { OperationAborted } from './operation-queue.ts';
import { Reconciler, scheduleByDependencies, selectServices } from './reconciler.ts';
import { snapshotStack } from './resolve.ts';
import { FakeEngine } from './testing/fake-engine.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise((r) => setImmediate(r));

const graph = () =>
  standInStack('p', [
    standIn('db'),
    standIn('cache'),
    standIn('job', { kind: 'oneshot', dependsOn: { db: 'service_healthy' } }),
    standIn('api', {
      dependsOn: { db: 'service_healthy', cache: 'service_started', job: 'service_completed_successfully' },
    }),
    standIn('web', { dependsOn: { api: 'service_healthy' } }),
  ]);

describe('scheduleByDependencies', () => {
  it('starts independent services at once and each dependent when its conditions are met', async () => {
    const stack = graph();
    const gates = new Map(stack.services.map((s) => [s.name, deferred()]));
    const running = new Map(stack.services.map((s) => [s.name, () => {}]));
    const started: string[] = [];
    const done = scheduleByDependencies(
      stack.services,
      async (service, markRunning) => {
        started.push(service.name);
        running.set(service.name, markRunning);
        await gates.get(service.name)!.promise;
      },
      () => {},
    );
    await flush();
    expect(started).toEqual(['db', 'cache']);
    gates.get('db')!.resolve();
    await flush();
    expect(started).toEqual(['db', 'cache', 'job']);
    gates.get('job')!.resolve();
    await flush();
    // cache only has to have started (service_started): its running mark is enough.
    expect(started).not.toContain('api');
    running.get('cache')!();
    await flush();
    expect(started).toEqual(['db', 'cache', 'job', 'api']);
    gates.get('api')!.resolve();
    gates.get('cache')!.resolve();
    await flush();
    gates.get('web')!.resolve();
    await done;
    expect(started).toEqual(['db', 'cache', 'job', 'api', 'web']);
  });

  it('skips the dependents of a failed service, transitively, and finishes the rest', async () => {
    const skipped: [string, string][] = [];
    const started: string[] = [];
    await scheduleByDependencies(
      graph().services,
      async (service) => {
        started.push(service.name);
        if (service.name === 'job') throw new Error('migration failed');
      },
      (service, dependency) => skipped.push([service.name, dependency]),
    );
    expect(started.sort()).toEqual(['cache', 'db', 'job']);
    expect(skipped).toEqual([
      ['api', 'job'],
      ['web', 'api'],
    ]);
  });
});

describe('selectServices', () => {
  it('the named services and what they need, in dependency order', () => {
    const stack = graph();
    expect(selectServices(stack, ['api']).map((s) => s.name)).toEqual(['db', 'cache', 'job', 'api']);
    expect(selectServices(stack).map((s) => s.name)).toEqual(['db', 'cache', 'job', 'api', 'web']);
    expect(() => selectServices(stack, ['nope'])).toThrow(/no service nope in this stack; services: db, cache/);
  });
});

function reconciler(engine: FakeEngine, events: StackEvent[] = []) {
  const docker = engine.docker;
  let r!: Reconciler;
  const stack = { project: 'p' };
  const waiter = new HealthWaiter({
    inspect: (s) => r.inspect(stack as never, s),
    tail: (s) => r.tail(stack as never, s),
    pollIntervalMs: 5,
    restartGraceMs: 20,
  });
  r = new Reconciler({ docker, emit: (e) => events.push(e), waiter, healthTimeoutMs: 2_000 });
  return r;
}

const appStack = (version = '1') =>
  standInStack(
    'p',
    [
      standIn('db', { healthcheck: { test: ['CMD', 'true'] }, volumes: [{ volume: 'data', target: '/data' }] }),
      standIn('migrate', { kind: 'oneshot', dependsOn: { db: 'service_healthy' } }),
      standIn('api', {
        healthcheck: { test: ['CMD', 'true'] },
        environment: { VERSION: version },
        dependsOn: { migrate: 'service_completed_successfully' },
      }),
    ],
    ['data'],
  );

describe('Reconciler on an in-memory engine', () => {
  it('creates network, volume and containers, starts them in order; a second up changes nothing', async () => {
    const engine = new FakeEngine();
    engine.images.add('speaknode-test/busybox:1');
    engine.behave('migrate', 'exit0');
    const events: StackEvent[] = [];
    const r = reconciler(engine, events);
    const stack = snapshotStack(appStack());
    const report = await r.up(stack);
    expect(report.ok, JSON.stringify(report)).toBe(true);
    expect(report.services.map((s) => [s.service, s.action, s.outcome])).toEqual([
      ['db', 'created', 'healthy'],
      ['migrate', 'created', 'completed'],
      ['api', 'created', 'healthy'],
    ]);
    expect(engine.calls.filter((c) => c.startsWith('start'))).toEqual(['start db', 'start migrate', 'start api']);
    expect([...engine.networks]).toEqual(['p_stack']);
    expect([...engine.volumes]).toEqual(['p_data']);
    engine.calls.length = 0;
    const again = await r.up(stack);
    expect(again.services.every((s) => s.action === 'unchanged')).toBe(true);
    expect(engine.calls).toEqual([]);
  });

  it('recreates only a changed service, starts a stopped one, and restarts an unhealthy one', async () => {
    const engine = new FakeEngine();
    engine.images.add('speaknode-test/busybox:1');
    engine.behave('migrate', 'exit0');
    const r = reconciler(engine);
    await r.up(snapshotStack(appStack()));
    engine.kill('db');
    engine.calls.length = 0;
    const changed = await r.up(snapshotStack(appStack('2')));
    expect(changed.services.map((s) => [s.service, s.action])).toEqual([
      ['db', 'started'],
      ['migrate', 'unchanged'],
      ['api', 'recreated'],
    ]);
    expect(engine.calls.sort()).toEqual(['create api', 'remove api', 'start api', 'start db']);
    const db = engine.byService('db')!;
    db.State.Health = { Status: 'unhealthy', Log: [{ Start: db.State.StartedAt, End: '', ExitCode: 1, Output: 'x' }] };
    engine.calls.length = 0;
    const repaired = await r.up(snapshotStack(appStack('2')));
    expect(repaired.services[0]).toMatchObject({ service: 'db', action: 'started', outcome: 'healthy' });
    expect(engine.calls).toEqual(['restart db']);
  });

  it('reports the failure with its health output and skips dependents', async () => {
    const engine = new FakeEngine();
    engine.images.add('speaknode-test/busybox:1');
    engine.behave('db', 'unhealthy');
    const report = await reconciler(engine).up(snapshotStack(appStack()));
    expect(report.ok).toBe(false);
    expect(report.services.map((s) => [s.service, s.outcome])).toEqual([
      ['db', 'failed'],
      ['migrate', 'skipped'],
      ['api', 'skipped'],
    ]);
    expect(report.services[0]!.error).toBe('db is unhealthy: exit code 1, output: connection refused');
    expect(report.services[2]!.error).toBe('skipped: dependency migrate did not come up');
  });

  it('a cancelled up ends as cancelled before it touches the engine, or during a health wait', async () => {
    const engine = new FakeEngine();
    engine.images.add('speaknode-test/busybox:1');
    const r = reconciler(engine);
    await expect(r.up(snapshotStack(appStack()), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      OperationAborted,
    );
    expect(engine.calls).toEqual([]);
    engine.behave('db', 'hang');
    const controller = new AbortController();
    const stack = snapshotStack(standInStack('p', [standIn('db', { healthcheck: { test: ['CMD', 'true'] } })]));
    const up = r.up(stack, { signal: controller.signal });
    await expect.poll(() => engine.byService('db')?.State.Running).toBe(true);
    controller.abort();
    await expect(up).rejects.toThrow('up was cancelled');
  });

  it('down stops dependents first, keeps volumes unless asked, and removes leftovers', async () => {
    const engine = new FakeEngine();
    engine.images.add('speaknode-test/busybox:1');
    engine.behave('migrate', 'exit0');
    const r = reconciler(engine);
    await r.up(snapshotStack(appStack()));
    engine.calls.length = 0;
    const { removed } = await r.down(snapshotStack(appStack()), { timeoutS: 1 });
    expect(removed).toEqual(['api', 'migrate', 'db']);
    expect(engine.calls).toEqual(['stop api', 'remove api', 'remove migrate', 'stop db', 'remove db']);
    expect(engine.networks.size).toBe(0);
    expect([...engine.volumes]).toEqual(['p_data']);
    await r.down(snapshotStack(appStack()), { removeVolumes: true });
    expect(engine.volumes.size).toBe(0);
  });
});

describe('Reconciler and a concurrent start', () => {
  it('takes a container started meanwhile by somebody else (304) as started', async () => {
    const engine = new FakeEngine();
    engine.images.add('speaknode-test/busybox:1');
    const r = reconciler(engine);
    const stack = snapshotStack(standInStack('p', [standIn('db', { healthcheck: { test: ['CMD', 'true'] } })]));
    await r.up(stack);
    engine.kill('db');
    const docker = engine.docker;
    const original = docker.getContainer.bind(docker);
    // The watcher of another process starts it between our inspection and our start.
    docker.getContainer = ((name: string) => {
      const container = original(name);
      return {
        ...container,
        inspect: container.inspect,
        start: async () => {
          await container.start();
          await container.start();
        },
      };
    }) as typeof docker.getContainer;
    try {
      const report = await r.up(stack);
      expect(report.services[0]).toMatchObject({ service: 'db', action: 'started', outcome: 'healthy' });
    } finally {
      docker.getContainer = original;
    }
  });
});
