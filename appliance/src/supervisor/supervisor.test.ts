import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { standIn, standInStack } from '../testing/stand-in-stack.ts';
import { StackSupervisor } from './supervisor.ts';
import { FakeEngine } from './testing/fake-engine.ts';

const stack = (tag: string, healthy = true) =>
  standInStack('p', [
    standIn('db', { healthcheck: { test: ['CMD', 'true'] } }),
    standIn('api', {
      image: { repository: 'speaknode-test/busybox', tag },
      healthcheck: { test: ['CMD', healthy ? 'true' : 'false'] },
      dependsOn: { db: 'service_healthy' },
    }),
  ]);

function setup() {
  const engine = new FakeEngine();
  for (const tag of ['1', '2']) engine.images.add(`speaknode-test/busybox:${tag}`);
  const supervisor = new StackSupervisor({
    docker: engine.docker,
    stack: stack('1'),
    pollIntervalMs: 5,
    healthTimeoutMs: 2_000,
  });
  return { engine, supervisor };
}

describe('StackSupervisor (in-memory engine)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sn-supervisor-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives each operation a frozen stack: an upgrade asked for during an up changes nothing the up does', async () => {
    const { engine, supervisor } = setup();
    const definitions = stack('1');
    const own = new StackSupervisor({ docker: engine.docker, stack: definitions, pollIntervalMs: 5 });
    // The caller's object is copied, and the copy is frozen.
    definitions.services[1]!.image.tag = '2';
    expect(own.stack.services[1]!.image.tag).toBe('1');
    expect(Object.isFrozen(supervisor.stack.services[1]!.image)).toBe(true);
    expect(() => {
      (supervisor.stack.services[1]!.image as { tag: string }).tag = '2';
    }).toThrow(TypeError);

    const up = supervisor.up();
    const upgrade = supervisor.upgrade(stack('2'));
    const down = supervisor.down();
    expect(supervisor.operations.map((o) => o.name)).toEqual(['up', 'upgrade', 'down']);
    const report = await up;
    // up created api from the definitions it started with.
    expect(report.services.map((s) => [s.service, s.action])).toEqual([
      ['db', 'created'],
      ['api', 'created'],
    ]);
    expect(engine.calls.filter((c) => c === 'create api')).toHaveLength(1);
    expect(supervisor.stack.services[1]!.image.tag).toBe('1');
    expect((await upgrade).ok).toBe(true);
    expect(supervisor.stack.services[1]!.image.tag).toBe('2');
    expect((await down).removed.sort()).toEqual(['api', 'db']);
  });

  it('after a rolled-back upgrade, stack keeps the previous definition of that service', async () => {
    const { engine, supervisor } = setup();
    await supervisor.up();
    engine.behave('api', 'unhealthy');
    const report = await supervisor.upgrade(stack('2', false));
    expect(report.ok).toBe(false);
    expect(supervisor.stack.services.map((s) => `${s.name}:${s.image.tag}`)).toEqual(['db:1', 'api:1']);
    // The container that runs again matches the definitions kept: nothing for an `up` to recreate.
    expect((await supervisor.status()).map((s) => [s.service, s.image, s.current])).toEqual([
      ['db', 'speaknode-test/busybox:1', true],
      ['api', 'speaknode-test/busybox:1', true],
    ]);
  });

  it('a cancelled operation never runs; a cancelled up leaves what the next up repairs', async () => {
    const { engine, supervisor } = setup();
    engine.behave('db', 'hang');
    const controller = new AbortController();
    const up = supervisor.up({ signal: controller.signal });
    const queued = new AbortController();
    const restart = supervisor.restart('db', { signal: queued.signal });
    queued.abort();
    await expect.poll(() => engine.byService('db')?.State.Running).toBe(true);
    controller.abort();
    await expect(up).rejects.toThrow('up was cancelled');
    await expect(restart).rejects.toThrow('restart db was cancelled');
    expect(engine.calls).not.toContain('restart db');
    expect(engine.byService('api')?.State.Running).toBeFalsy();
    engine.behave('db', 'healthy');
    engine.kill('db');
    const repaired = await supervisor.up();
    expect(repaired.ok).toBe(true);
    expect(repaired.services.map((s) => [s.service, s.action])).toEqual([
      ['db', 'started'],
      ['api', 'started'],
    ]);
  });

  it('status: the watcher restarts counted (in process and from its journal), why unhealthy, when it gave up', async () => {
    const { engine, supervisor } = setup();
    await supervisor.up();
    const journal = join(dir, 'watch.json');
    const watcher = await supervisor.watch({ restartUnhealthy: true, maxRestarts: 1, settleMs: 5, journal });
    try {
      engine.kill('api');
      await expect
        .poll(async () => (await supervisor.status())[1])
        .toMatchObject({
          service: 'api',
          state: 'running',
          restarts: 1,
          restartsByWatcher: 1,
        });
      engine.kill('api');
      await expect
        .poll(async () => (await supervisor.status())[1]?.watcherGaveUp)
        .toMatch(/restarted 1 times in 10 min/);
      await watcher.flushed();
      const written = JSON.parse(await readFile(journal, 'utf8'));
      expect(written).toMatchObject({ project: 'p', services: { api: { restarts: 1 } } });
      // `speaknode status` in another process reads the journal of `speaknode watch`.
      const other = new StackSupervisor({ docker: engine.docker, stack: stack('1'), watchJournal: journal });
      const api = (await other.status())[1]!;
      expect(api).toMatchObject({ state: 'exited', exitCode: 137, restarts: 1, restartsByWatcher: 1 });
      expect(api.watcherGaveUp).toMatch(/speaknode restart api/);
      // A journal of a container since recreated does not count.
      await supervisor.down();
      await supervisor.up();
      expect((await other.status())[1]).toMatchObject({ restarts: 0 });
      expect((await other.status())[1]!.restartsByWatcher).toBeUndefined();
    } finally {
      watcher.dispose();
    }
    const db = engine.byService('db')!;
    db.State.Health = {
      Status: 'unhealthy',
      Log: [{ Start: db.State.StartedAt, End: '', ExitCode: 1, Output: 'db refused' }],
    };
    expect((await supervisor.status())[0]).toMatchObject({
      health: 'unhealthy',
      healthDetail: 'exit code 1, output: db refused',
    });
    expect((await supervisor.status())[1]!.current).toBe(true);
  });
});
