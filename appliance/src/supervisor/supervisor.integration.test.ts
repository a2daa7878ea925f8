import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { fastStatus } from '../cli/status-fast.ts';
import { importBusyboxImage, type PrivateEngine, startPrivateEngine } from '../testing/private-engine.ts';
import { STAND_IN_IMAGE, slowToBecomeHealthy, standIn, standInStack } from '../testing/stand-in-stack.ts';
import { containerName } from './container-spec.ts';
import type { StackEvent } from './events.ts';
import { loadBundle, writeBundle } from './images.ts';
import { preflight } from './preflight.ts';
import { StackSupervisor } from './supervisor.ts';
import { StackWatcher } from './watch.ts';

const started = await startPrivateEngine();
const engine: PrivateEngine | undefined = 'engine' in started ? started.engine : undefined;
if (!engine) console.info(`supervisor integration tests skipped: ${'skip' in started ? started.skip : ''}`);
const suite = engine ? describe : describe.skip;

const image = `${STAND_IN_IMAGE.repository}:${STAND_IN_IMAGE.tag}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** db and cache are independent; job needs db; api needs all three; web needs api. */
function appStack() {
  return standInStack(
    'sntest',
    [
      slowToBecomeHealthy('db', 1, { volumes: [{ volume: 'db-data', target: '/data' }] }),
      slowToBecomeHealthy('cache', 1),
      standIn('job', {
        kind: 'oneshot',
        script: 'echo migrating; touch /tmp/done; echo migrated',
        dependsOn: { db: 'service_healthy' },
      }),
      standIn('api', {
        script:
          'mkdir -p /www && echo ok > /www/ok && httpd -p 8080 -h /www; ' +
          'while [ ! -f /tmp/crash ]; do sleep 0.2; done; rm /tmp/crash; echo crashing; exit 3',
        // By name, through the stack network's DNS.
        healthcheck: { test: ['CMD-SHELL', 'wget -q -O- http://api:8080/ok | grep -q ok'] },
        dependsOn: { db: 'service_healthy', cache: 'service_healthy', job: 'service_completed_successfully' },
        ports: [{ host: 0, container: 8080, protocol: 'tcp', bind: '127.0.0.1', purpose: 'test API' }],
      }),
      standIn('web', {
        script: 'echo web up; sleep 3600 & wait $!',
        healthcheck: { test: ['CMD', 'true'] },
        dependsOn: { api: 'service_healthy' },
      }),
    ],
    ['db-data'],
  );
}

suite('StackSupervisor against a real Docker Engine', () => {
  const docker = engine!.docker;
  const events: (StackEvent & { at: number })[] = [];
  let supervisor: StackSupervisor;
  let watcher: StackWatcher;
  let tmp: string;

  beforeAll(async () => {
    await importBusyboxImage(docker, [image, 'speaknode-test/busybox:2', 'speaknode-test/extra:1']);
    supervisor = new StackSupervisor({
      docker,
      stack: appStack(),
      onEvent: (e) => events.push({ ...e, at: Date.now() }),
      healthTimeoutMs: 20_000,
      pollIntervalMs: 100,
    });
    watcher = await new StackWatcher({ docker, stack: appStack() }).start();
    tmp = await mkdtemp('/tmp/sn-appliance-');
  }, 120_000);

  afterAll(async () => {
    watcher?.dispose();
    await rm(tmp, { recursive: true, force: true });
    await engine?.stop();
  }, 60_000);

  const at = (service: string, phase: string) =>
    events.find((e) => e.type === 'service' && e.service === service && e.phase === phase)?.at;

  it('starts services in dependency order, independent ones in parallel, waiting on health', async () => {
    const report = await supervisor.up();
    expect(report.ok, JSON.stringify(report, null, 2)).toBe(true);
    expect(report.services.map((s) => [s.service, s.action, s.outcome])).toEqual([
      ['db', 'created', 'healthy'],
      ['cache', 'created', 'healthy'],
      ['job', 'created', 'completed'],
      ['api', 'created', 'healthy'],
      ['web', 'created', 'healthy'],
    ]);
    // db and cache both started before either was healthy: they ran side by side.
    expect(at('cache', 'starting')!).toBeLessThan(at('db', 'healthy')!);
    expect(at('db', 'starting')!).toBeLessThan(at('cache', 'healthy')!);
    // Dependents were created only after their dependencies were ready.
    expect(at('job', 'starting')!).toBeGreaterThanOrEqual(at('db', 'healthy')!);
    expect(at('api', 'starting')!).toBeGreaterThanOrEqual(
      Math.max(at('db', 'healthy')!, at('cache', 'healthy')!, at('job', 'completed')!),
    );
    expect(at('web', 'starting')!).toBeGreaterThanOrEqual(at('api', 'healthy')!);
    expect(events.some((e) => e.type === 'network' && e.action === 'created')).toBe(true);
    expect(events.some((e) => e.type === 'volume' && e.name === 'sntest_db-data' && e.action === 'created')).toBe(true);
  });

  it('changes nothing when up runs twice', async () => {
    const ids = await Promise.all(
      ['db', 'api', 'job'].map(async (s) => (await docker.getContainer(containerName('sntest', s)).inspect()).Id),
    );
    const report = await supervisor.up();
    expect(report.ok).toBe(true);
    expect(report.services.every((s) => s.action === 'unchanged')).toBe(true);
    const after = await Promise.all(
      ['db', 'api', 'job'].map(async (s) => (await docker.getContainer(containerName('sntest', s)).inspect()).Id),
    );
    expect(after).toEqual(ids);
  });

  it('reports status: state, health, restarts, uptime, image', async () => {
    const status = await supervisor.status();
    const api = status.find((s) => s.service === 'api')!;
    expect(api).toMatchObject({ state: 'running', health: 'healthy', restarts: 0, image, current: true });
    expect(api.uptimeS).toBeGreaterThanOrEqual(0);
    expect(status.find((s) => s.service === 'job')).toMatchObject({ state: 'exited', exitCode: 0 });
    // The published port is really served.
    const port = (await docker.getContainer(containerName('sntest', 'api')).inspect()).NetworkSettings.Ports[
      '8080/tcp'
    ]?.[0]?.HostPort;
    const res = await fetch(`http://127.0.0.1:${port}/ok`);
    expect((await res.text()).trim()).toBe('ok');
  });

  it('tails and follows logs per service', async () => {
    const lines = await supervisor.logs('db', { tail: 10 });
    expect(lines.map((l) => l.text)).toEqual(['db starting', 'db ready']);
    const follow = await supervisor.followLogs('web', { tail: 1 });
    const seen: string[] = [];
    const reader = (async () => {
      for await (const line of follow.lines) {
        seen.push(line.text);
        if (line.text === 'marker') break;
      }
    })();
    const exec = await docker.getContainer(containerName('sntest', 'web')).exec({
      Cmd: ['sh', '-c', 'echo marker > /proc/1/fd/1'],
    });
    await exec.start({ Detach: true, Tty: false });
    await Promise.race([reader, sleep(10_000)]);
    follow.stop();
    expect(seen).toEqual(['web up', 'marker']);
    await expect(supervisor.logs('nope')).rejects.toThrow(/no service nope in this stack/);
  });

  it('records a crash on the event stream; the restart policy brings the service back', async () => {
    const exec = await docker.getContainer(containerName('sntest', 'api')).exec({ Cmd: ['touch', '/tmp/crash'] });
    await exec.start({ Detach: true, Tty: false });
    for (let i = 0; i < 100 && !watcher.records.some((r) => r.event === 'crashed'); i++) await sleep(100);
    expect(watcher.records.find((r) => r.event === 'crashed')).toMatchObject({ service: 'api', exitCode: 3 });
    // The engine's restart policy brings it back (the die event can arrive before the state changes).
    const api = docker.getContainer(containerName('sntest', 'api'));
    for (let i = 0; i < 100 && (await api.inspect()).RestartCount < 1; i++) await sleep(100);
    await supervisor.waitReady(supervisor.service('api'), 20_000);
    const status = (await supervisor.status()).find((s) => s.service === 'api')!;
    expect(status).toMatchObject({ state: 'running', health: 'healthy', restarts: 1 });
  });

  it('repairs a stopped service on the next up, and restarts one service on request', async () => {
    await docker.getContainer(containerName('sntest', 'cache')).stop({ t: 1 });
    const report = await supervisor.up();
    expect(report.ok).toBe(true);
    expect(report.services.find((s) => s.service === 'cache')).toMatchObject({ action: 'started', outcome: 'healthy' });
    expect(report.services.filter((s) => s.action !== 'unchanged').map((s) => s.service)).toEqual(['cache']);

    // A running service whose healthcheck fails is restarted by up as well.
    const rm = await docker.getContainer(containerName('sntest', 'db')).exec({ Cmd: ['rm', '/tmp/ready'] });
    await rm.start({ Detach: true, Tty: false });
    for (let i = 0; i < 100; i++) {
      const health = (await docker.getContainer(containerName('sntest', 'db')).inspect()).State.Health?.Status;
      if (health === 'unhealthy') break;
      await sleep(100);
    }
    const repaired = await supervisor.up();
    expect(repaired.ok, JSON.stringify(repaired.services)).toBe(true);
    expect(repaired.services.find((s) => s.service === 'db')).toMatchObject({ action: 'started', outcome: 'healthy' });

    const before = (await docker.getContainer(containerName('sntest', 'web')).inspect()).State.StartedAt;
    const restarted = await supervisor.restart('web');
    expect(restarted.outcome).toBe('healthy');
    const after = (await docker.getContainer(containerName('sntest', 'web')).inspect()).State.StartedAt;
    expect(after).not.toBe(before);
  });

  it('upgrades one service at a time and rolls back one whose health fails', async () => {
    const next = appStack();
    const web = next.services.find((s) => s.name === 'web')!;
    web.image = { repository: 'speaknode-test/busybox', tag: '2' };
    const ok = await supervisor.upgrade(next);
    expect(ok.ok).toBe(true);
    expect(ok.services.filter((s) => s.result !== 'unchanged')).toEqual([{ service: 'web', result: 'upgraded' }]);
    expect((await docker.getContainer(containerName('sntest', 'web')).inspect()).Config.Image).toBe(
      'speaknode-test/busybox:2',
    );

    const broken = appStack();
    const brokenWeb = broken.services.find((s) => s.name === 'web')!;
    brokenWeb.image = { repository: 'speaknode-test/busybox', tag: '1' };
    brokenWeb.healthcheck = { ...brokenWeb.healthcheck!, test: ['CMD', 'false'], retries: 2, timeoutS: 30 };
    const rolledBack = await supervisor.upgrade(broken);
    expect(rolledBack.ok).toBe(false);
    const webResult = rolledBack.services.find((s) => s.service === 'web')!;
    expect(webResult.result).toBe('rolled-back');
    expect(webResult.error).toMatch(/web is unhealthy: exit code 1/);
    expect(webResult.error).not.toContain('starting the previous container failed');
    const info = await docker.getContainer(containerName('sntest', 'web')).inspect();
    expect(info.Config.Image).toBe('speaknode-test/busybox:2');
    expect(info.State.Running).toBe(true);
    await supervisor.waitReady(supervisor.service('web'), 10_000);
    expect((await supervisor.up()).services.every((s) => s.action === 'unchanged')).toBe(true);
  });

  it('reports a service that never gets healthy, one that times out, and skips their dependents', async () => {
    const bad = new StackSupervisor({
      docker,
      stack: standInStack('snbad', [
        standIn('broken', { healthcheck: { test: ['CMD-SHELL', 'echo "db refused"; exit 1'], retries: 2 } }),
        standIn('slow', { healthcheck: { test: ['CMD', 'sleep', '30'], timeoutS: 60 } }),
        standIn('after', { dependsOn: { broken: 'service_healthy' }, healthcheck: { test: ['CMD', 'true'] } }),
        standIn('fine', { healthcheck: { test: ['CMD', 'true'] } }),
      ]),
      healthTimeoutMs: 3_000,
      pollIntervalMs: 100,
    });
    try {
      const report = await bad.up();
      expect(report.ok).toBe(false);
      const by = Object.fromEntries(report.services.map((s) => [s.service, s]));
      expect(by.broken).toMatchObject({ outcome: 'failed' });
      expect(by.broken!.error).toMatch(/broken is unhealthy: exit code 1, output: db refused/);
      expect(by.slow!.outcome).toBe('failed');
      expect(by.slow!.error).toMatch(/slow did not become healthy within 3 s \(state running, health starting\)/);
      expect(by.after).toMatchObject({ outcome: 'skipped', error: 'skipped: dependency broken did not come up' });
      expect(by.fine).toMatchObject({ outcome: 'healthy' });
      // status says why: the last health check's output.
      const broken = (await bad.status()).find((s) => s.service === 'broken')!;
      expect(broken).toMatchObject({
        health: 'unhealthy',
        healthDetail: expect.stringMatching(/exit code 1, output: db refused/),
      });
    } finally {
      await bad.down({ timeoutS: 1 });
    }
  }, 60_000);

  it('runs up, upgrade and restart one at a time, and a cancelled operation never starts', async () => {
    const phases: string[] = [];
    const stack = standInStack('snqueue', [slowToBecomeHealthy('one', 1)]);
    const queued = new StackSupervisor({
      docker,
      stack,
      onEvent: (e) => {
        if (e.type === 'service') phases.push(`${e.service}:${e.phase}`);
      },
      healthTimeoutMs: 20_000,
      pollIntervalMs: 100,
    });
    try {
      const changed = standInStack('snqueue', [slowToBecomeHealthy('one', 1, { environment: { VERSION: '2' } })]);
      const up = queued.up();
      const upgrade = queued.upgrade(changed);
      const controller = new AbortController();
      const cancelled = queued.restart('one', { signal: controller.signal });
      expect(queued.operations.map((o) => o.name)).toEqual(['up', 'upgrade', 'restart one']);
      controller.abort();
      expect((await up).ok).toBe(true);
      expect((await upgrade).ok).toBe(true);
      await expect(cancelled).rejects.toThrow('restart one was cancelled');
      // The upgrade began only after up had finished.
      expect(phases.indexOf('one:upgrading')).toBeGreaterThan(phases.indexOf('one:healthy'));
      expect(phases).not.toContain('one:restarting');
    } finally {
      await queued.down({ timeoutS: 1 });
    }
  }, 90_000);

  it('reports a crash loop at once, with the exit code, the restarts and the last log lines', async () => {
    const looping = new StackSupervisor({
      docker,
      stack: standInStack('snloop', [
        standIn('looper', {
          script: 'echo "cannot reach the database"; exit 3',
          // A long start period: before the fix the wait ran into the timeout with "no health check has run yet".
          healthcheck: { test: ['CMD', 'true'], startPeriodS: 120 },
        }),
      ]),
      healthTimeoutMs: 120_000,
      pollIntervalMs: 100,
    });
    try {
      const t0 = Date.now();
      const report = await looping.up();
      expect(Date.now() - t0).toBeLessThan(60_000);
      const looper = report.services.find((s) => s.service === 'looper')!;
      expect(looper.outcome).toBe('failed');
      expect(looper.error).toMatch(/looper is in a crash loop: it exited with code 3 and was restarted \d+ times/);
      expect(looper.error).toContain('cannot reach the database');
    } finally {
      await looping.down({ timeoutS: 1 });
    }
  }, 120_000);

  it('Ctrl-C during up: the health wait stops at once, and the next up repairs', async () => {
    const stack = standInStack('snabort', [
      slowToBecomeHealthy('first', 30),
      standIn('second', { healthcheck: { test: ['CMD', 'true'] }, dependsOn: { first: 'service_healthy' } }),
    ]);
    const aborting = new StackSupervisor({ docker, stack, healthTimeoutMs: 120_000, pollIntervalMs: 100 });
    try {
      const controller = new AbortController();
      const up = aborting.up({ signal: controller.signal });
      const first = docker.getContainer(containerName('snabort', 'first'));
      await expect.poll(async () => (await first.inspect()).State.Running, { timeout: 20_000 }).toBe(true);
      const t0 = Date.now();
      controller.abort();
      await expect(up).rejects.toThrow('up was cancelled');
      // At once, not after the 120 s health timeout it would otherwise wait (a wide bound: the box is loaded).
      expect(Date.now() - t0).toBeLessThan(30_000);
      // second was created up front but never started.
      expect((await docker.getContainer(containerName('snabort', 'second')).inspect()).State.Status).toBe('created');
      // The next up (the definitions fixed meanwhile: healthy at once) takes it from there.
      aborting.stack = standInStack('snabort', [
        slowToBecomeHealthy('first', 0),
        standIn('second', { healthcheck: { test: ['CMD', 'true'] }, dependsOn: { first: 'service_healthy' } }),
      ]);
      const repaired = await aborting.up();
      expect(repaired.ok, JSON.stringify(repaired.services)).toBe(true);
      expect(repaired.services.map((s) => [s.service, s.action])).toEqual([
        ['first', 'recreated'],
        ['second', 'started'],
      ]);
    } finally {
      await aborting.down({ timeoutS: 1 });
    }
  }, 90_000);

  it('status counts the restarts of the watcher (docker kill) and says when it gave up', async () => {
    const stack = standInStack('snstatus', [standIn('victim', { healthcheck: { test: ['CMD', 'true'] } })]);
    const victim = new StackSupervisor({ docker, stack, healthTimeoutMs: 15_000, pollIntervalMs: 100 });
    const journal = join(tmp, 'watch.json');
    const watch = await victim.watch({ restartUnhealthy: true, maxRestarts: 1, settleMs: 500, journal });
    const container = docker.getContainer(containerName('snstatus', 'victim'));
    try {
      expect((await victim.up()).ok).toBe(true);
      await container.kill();
      await expect
        .poll(async () => (await victim.status())[0], { timeout: 20_000 })
        .toMatchObject({ state: 'running', restarts: 1, restartsByWatcher: 1 });
      await container.kill();
      await expect
        .poll(async () => (await victim.status())[0]?.watcherGaveUp, { timeout: 20_000 })
        .toMatch(/restarted 1 times/);
      await watch.flushed();
      // Another process (`speaknode status`) sees the same through the journal.
      const other = new StackSupervisor({ docker, stack, watchJournal: journal });
      expect((await other.status())[0]).toMatchObject({ state: 'exited', restarts: 1, restartsByWatcher: 1 });
    } finally {
      watch.dispose();
      await victim.down({ timeoutS: 1 });
    }
  }, 90_000);

  it('writes an offline bundle with a checksum, loads it, and refuses a corrupted one', async () => {
    const tarball = join(tmp, 'bundle.tar');
    const manifest = await writeBundle(docker, ['speaknode-test/extra:1'], tarball);
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    await docker.getImage('speaknode-test/extra:1').remove();
    const loaded: StackEvent[] = [];
    await loadBundle(docker, tarball, (e) => loaded.push(e));
    expect(loaded).toContainEqual({ type: 'image', image: 'speaknode-test/extra:1', action: 'loaded' });
    await docker.getImage('speaknode-test/extra:1').inspect();

    const manifestPath = join(tmp, 'bundle.json');
    // The manifest is as readable as the tarball.
    expect((await stat(manifestPath)).mode & 0o777).toBe((await stat(tarball)).mode & 0o777);
    const text = await readFile(manifestPath, 'utf8');
    await writeFile(manifestPath, text.replace(manifest.sha256, '0'.repeat(64)));
    await expect(loadBundle(docker, tarball, () => {})).rejects.toThrow(/fails its checksum/);
    await expect(loadBundle(docker, join(tmp, 'missing.tar'), () => {})).rejects.toThrow(
      /cannot read the bundle manifest/,
    );

    // up uses the bundle for an image the engine lacks.
    await writeFile(manifestPath, text);
    await docker.getImage('speaknode-test/extra:1').remove();
    const withBundle = new StackSupervisor({
      docker,
      stack: standInStack('snbundle', [standIn('x', { image: { repository: 'speaknode-test/extra', tag: '1' } })]),
    });
    const report = await withBundle.up({ bundle: tarball });
    expect(report.ok).toBe(true);
    await withBundle.down();
  });

  it('preflight: reports the engine, a busy port and a missing NVIDIA runtime, each with a fix', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const stack = standInStack('snpre', [
        standIn('p', { ports: [{ host: port, container: 80, protocol: 'tcp', bind: '127.0.0.1', purpose: 'x' }] }),
      ]);
      const report = await preflight({ docker, stack, gpu: true, stateDir: tmp, minDiskGb: 0 });
      const by = Object.fromEntries(report.checks.map((c) => [c.name, c]));
      expect(by.engine).toMatchObject({ ok: true });
      expect(by.engine!.detail).toMatch(/Docker Engine \d+\.\d+/);
      expect(by.ports).toMatchObject({ ok: false });
      expect(by.ports!.detail).toContain(`tcp/${port}`);
      expect(by.ports!.fix).toMatch(/ss -lntup/);
      expect(by.gpu).toMatchObject({ ok: false });
      expect(by.gpu!.fix).toMatch(/nvidia-container-toolkit/);
      expect(report.ok).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('the watch loop restarts a service whose healthcheck turns unhealthy', async () => {
    const stack = standInStack('snwatch', [
      standIn('flaky', {
        script: 'touch /tmp/ok; sleep 3600 & wait $!',
        healthcheck: { test: ['CMD', 'test', '-f', '/tmp/ok'], retries: 2 },
      }),
    ]);
    const flaky = new StackSupervisor({ docker, stack, healthTimeoutMs: 15_000 });
    const watch = await new StackWatcher({ docker, stack, restartUnhealthy: true, maxRestarts: 1 }).start();
    try {
      expect((await flaky.up()).ok).toBe(true);
      const exec = await docker.getContainer(containerName('snwatch', 'flaky')).exec({ Cmd: ['rm', '/tmp/ok'] });
      await exec.start({ Detach: true, Tty: false });
      for (let i = 0; i < 150 && !watch.records.some((r) => r.event === 'restarted'); i++) await sleep(100);
      expect(watch.records).toContainEqual(
        expect.objectContaining({ service: 'flaky', event: 'health', health: 'unhealthy' }),
      );
      expect(watch.records).toContainEqual(expect.objectContaining({ service: 'flaky', event: 'restarted' }));
      await flaky.waitReady(flaky.service('flaky'), 15_000);
    } finally {
      watch.dispose();
      await flaky.down({ timeoutS: 1 });
    }
  }, 60_000);

  it('the watch loop brings back a service stopped by docker kill, and says when it gives up', async () => {
    const stack = standInStack('snkill', [standIn('victim', { healthcheck: { test: ['CMD', 'true'] } })]);
    const victim = new StackSupervisor({ docker, stack, healthTimeoutMs: 15_000 });
    const watch = await new StackWatcher({
      docker,
      stack,
      restartUnhealthy: true,
      maxRestarts: 1,
      settleMs: 500,
    }).start();
    const container = docker.getContainer(containerName('snkill', 'victim'));
    try {
      expect((await victim.up()).ok).toBe(true);
      await container.kill();
      await expect.poll(() => watch.records.filter((r) => r.event === 'restarted').length, { timeout: 20_000 }).toBe(1);
      await expect.poll(async () => (await container.inspect()).State.Running, { timeout: 20_000 }).toBe(true);
      // A second kill within the window: over the limit, it stays down and the watcher says so.
      await container.kill();
      await expect
        .poll(() => watch.records.find((r) => r.event === 'gave-up'), { timeout: 20_000 })
        .toMatchObject({
          service: 'victim',
          detail: expect.stringMatching(/restarted 1 times .*speaknode restart victim/),
        });
      expect((await container.inspect()).State.Running).toBe(false);
    } finally {
      watch.dispose();
      await victim.down({ timeoutS: 1 });
    }
  }, 90_000);

  it('speaknode CLI drives the same engine: status, logs of a missing container, down', async () => {
    const cli = async (...argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await main(
        ['--state-dir', join(tmp, 'cli-state'), '--docker-host', `unix://${engine!.socket}`, ...argv],
        {
          write: (t) => {
            stdout += t;
          },
          writeErr: (t) => {
            stderr += t;
          },
          isTTY: false,
          env: { PATH: process.env.PATH },
        },
      );
      return { code, stdout, stderr };
    };
    expect((await cli('init', '--yes', '--domain', 'voice.example.com')).code).toBe(0);
    const status = await cli('--json', 'status');
    expect(status.code).toBe(0);
    const services = JSON.parse(status.stdout.trim().split('\n').at(-1)!).services as {
      service: string;
      state: string;
    }[];
    expect(services.map((s) => s.service)).toContain('control');
    expect(services.every((s) => s.state === 'missing')).toBe(true);
    // The full status left a plan: the fast path (what bin/speaknode.js runs) answers the same.
    let fast = '';
    const fastCode = await fastStatus(
      ['--state-dir', join(tmp, 'cli-state'), '--docker-host', `unix://${engine!.socket}`, '--json', 'status'],
      {
        write: (t) => {
          fast += t;
        },
        writeErr: () => {},
        isTTY: false,
        env: {},
      },
      join(import.meta.dirname, '../cli/main.ts'),
    );
    expect(fastCode).toBe(0);
    expect(JSON.parse(fast).services).toEqual(services);
    // `speaknode status | head -1` through the installed command: the header line, no EPIPE crash.
    const bin = join(import.meta.dirname, '../../bin/speaknode.js');
    const base = `--state-dir ${join(tmp, 'cli-state')} --docker-host unix://${engine!.socket}`;
    const piped = spawnSync('bash', ['-o', 'pipefail', '-c', `node ${bin} ${base} status | head -1`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(piped.stderr).not.toMatch(/EPIPE|Error/);
    expect(piped.status).toBe(0);
    expect(piped.stdout).toMatch(/^SERVICE +STATE +HEALTH +RESTARTS/);
    // The reader gone before the first line: still no crash, still exit 0.
    const child = spawn(process.execPath, [bin, ...base.split(' '), 'status'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH },
    });
    child.stdout!.destroy();
    let childErr = '';
    child.stderr!.on('data', (chunk) => {
      childErr += chunk;
    });
    const [childCode] = (await once(child, 'exit')) as [number];
    expect(childErr).not.toMatch(/EPIPE|Error/);
    expect(childCode).toBe(0);
    const logs = await cli('logs', 'control');
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(/no such container/i);
    expect((await cli('logs', 'nonesuch')).code).toBe(64);
    // --json: log lines as {"log": …} lines, then the one final shape.
    const project =
      (JSON.parse(await readFile(join(tmp, 'cli-state', 'settings.json'), 'utf8')) as { project?: string }).project ??
      'speaknode';
    const logged = await docker.createContainer({
      name: containerName(project, 'control'),
      Image: image,
      Cmd: ['sh', '-c', 'echo one; echo two >&2'],
      HostConfig: { NetworkMode: 'none' },
    });
    await logged.start();
    await logged.wait();
    const jsonLogs = (await cli('--json', 'logs', 'control')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // stdout and stderr reach the log in either order.
    expect(jsonLogs.slice(0, -1).sort((a, b) => a.log.text.localeCompare(b.log.text))).toEqual([
      { log: { service: 'control', stream: 'stdout', text: 'one' } },
      { log: { service: 'control', stream: 'stderr', text: 'two' } },
    ]);
    expect(jsonLogs.at(-1)).toEqual({ ok: true, exitCode: 0 });
    await logged.remove({ force: true });
    const doctor = await cli('--json', 'doctor');
    const checks = JSON.parse(doctor.stdout.trim().split('\n').at(-1)!).checks as { name: string; ok: boolean }[];
    expect(checks.find((c) => c.name === 'engine')?.ok).toBe(true);
    expect([0, 2]).toContain(doctor.code);
    expect(JSON.parse((await cli('--json', 'down')).stdout.trim().split('\n').at(-1)!)).toMatchObject({
      ok: true,
      removed: [],
    });
  });

  it('down removes containers and the network but keeps volumes unless asked', async () => {
    const from = events.length;
    const { removed } = await supervisor.down({ timeoutS: 1 });
    expect(removed.sort()).toEqual(['api', 'cache', 'db', 'job', 'web']);
    // Dependents go first: web before api, api before db and cache.
    const when = (service: string, phase: string) =>
      events.slice(from).find((e) => e.type === 'service' && e.service === service && e.phase === phase)!.at;
    expect(when('web', 'removed')).toBeLessThanOrEqual(when('api', 'stopping'));
    expect(when('api', 'removed')).toBeLessThanOrEqual(when('db', 'stopping'));
    expect(when('api', 'removed')).toBeLessThanOrEqual(when('cache', 'stopping'));
    expect(await docker.listContainers({ all: true, filters: { label: ['io.speaknode.project=sntest'] } })).toEqual([]);
    expect((await docker.listNetworks({ filters: { name: ['sntest_stack'] } })).length).toBe(0);
    await docker.getVolume('sntest_db-data').inspect();
    expect((await supervisor.down()).removed).toEqual([]);
    await supervisor.down({ removeVolumes: true });
    await expect(docker.getVolume('sntest_db-data').inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
