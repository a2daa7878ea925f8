import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { containerName, writeBundle } from '@speaknode/appliance';
import { importBusyboxImage, type PrivateEngine, startPrivateEngine } from '@speaknode/appliance/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type {
  DoctorReport,
  InitAnswer,
  StackPush,
  StackStatus,
  UpgradePlan,
  UpReport,
} from '../../shared/stack-ipc.ts';
import { type HostFixture, stackHostFixture, standInChoice, TEST_IMAGES, TEST_PROJECT } from './testing.ts';

const started = await startPrivateEngine({ dirPrefix: '/tmp/h17-docker-' });
const engine: PrivateEngine | undefined = 'engine' in started ? started.engine : undefined;
if (!engine) console.info(`stack handler integration tests skipped: ${'skip' in started ? started.skip : ''}`);
const suite = engine ? describe : describe.skip;

type Answer<T> = { result: T } | { error: { message: string; code?: string } };
const ok = <T>(answer: unknown): T => {
  const a = answer as Answer<T>;
  if ('error' in a) throw new Error(`expected a result, got error ${a.error.code}: ${a.error.message}`);
  return a.result;
};
const refused = (answer: unknown) => {
  const a = answer as Answer<unknown>;
  if (!('error' in a)) throw new Error(`expected an error, got ${JSON.stringify(a.result).slice(0, 300)}`);
  return a.error;
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

suite('stack:* handlers against a real Docker Engine', () => {
  let f: HostFixture;
  let controlPort: number;
  const settings = (port: number) => ({
    domain: 'voice.example.test',
    tls: 'off',
    gpu: false,
    adminEmail: 'it@example.test',
    ports: { control: port },
  });
  const statuses = () =>
    f.pushes.filter((p): p is Extract<StackPush, { kind: 'status' }> & { seenAt: number } => p.kind === 'status');
  const serviceState = (status: StackStatus, name: string) => status.services.find((s) => s.service === name);

  beforeAll(async () => {
    await importBusyboxImage(engine!.docker, TEST_IMAGES);
    // Started on an address where no engine listens: the first tests repair that.
    f = await stackHostFixture('/tmp/h17-no-engine.sock');
    controlPort = await freePort();
  }, 120_000);

  afterAll(async () => {
    f?.host.dispose();
    if (f) await rm(f.stateDir, { recursive: true, force: true });
    await engine?.stop();
  }, 60_000);

  it('refuses a sender that is not the console', async () => {
    const error = refused(await f.invokeFrom('https://evil.example.com/', 'stack:status'));
    expect(error.code).toBe('untrusted_sender');
  });

  it('an unreachable engine: doctor says how to fix it, up refuses with what to do, connect repairs it', async () => {
    const report = ok<DoctorReport>(await f.invoke('stack:doctor'));
    const engineCheck = report.checks.find((c) => c.name === 'engine')!;
    expect(engineCheck.ok).toBe(false);
    expect(engineCheck.fix).toMatch(/start Docker/);
    const error = refused(await f.invoke('stack:up'));
    expect(error.code).toBe('engine_unavailable');
    expect(error.message).toMatch(/does not answer.*start Docker, or enter the address of a running engine/s);
    expect(refused(await f.invoke('stack:connect', 'http://nowhere')).code).toBe('bad_engine_address');
    const status = ok<StackStatus>(await f.invoke('stack:connect', engine!.socket));
    expect(status.engine.ok).toBe(true);
    expect(status.initialised).toBe(false);
  });

  it('before init, up says to fill in the settings; a bad domain is refused by field', async () => {
    expect(refused(await f.invoke('stack:up')).code).toBe('not_initialised');
    const bad = refused(
      await f.invoke('stack:init', { settings: { ...settings(controlPort), domain: 'not a domain!' } }),
    );
    expect(bad.code).toBe('invalid_settings');
    expect(bad.message).toMatch(/domain: a host name/);
  });

  it('init stores the generated secrets and provider keys in the secret store, masked in the settings view', async () => {
    const answer = ok<InitAnswer>(
      await f.invoke('stack:init', {
        settings: settings(controlPort),
        providerKeys: { OPENAI_API_KEY: 'sk-test-123' },
      }),
    );
    expect(answer.generated).toBeGreaterThan(5);
    expect(answer.providerKeys).toEqual(['OPENAI_API_KEY']);
    expect(answer.secretStore.kind).toBe('file');
    const stored = JSON.parse(await readFile(`${f.stateDir}/secrets.json`, 'utf8')) as Record<string, string>;
    expect(stored.OPENAI_API_KEY).toBe('sk-test-123');
    // The first admin's temporary password, once: the one Keycloak's realm import takes from the store.
    expect(answer.firstAdmin).toEqual({
      email: 'it@example.test',
      temporaryPassword: stored.KEYCLOAK_FIRST_ADMIN_PASSWORD,
    });
    expect(answer.controlUrl).toBe(`http://voice.example.test:${controlPort}`);
    const again = ok<InitAnswer>(await f.invoke('stack:init', { settings: settings(controlPort) }));
    expect(again.generated).toBe(0);
    expect(again.firstAdmin).toBeUndefined();
    const view = ok<{ initialised: boolean; providerKeys: Record<string, boolean>; project: string }>(
      await f.invoke('stack:settings'),
    );
    expect(view.initialised).toBe(true);
    expect(view.providerKeys).toMatchObject({ OPENAI_API_KEY: true, DEEPGRAM_API_KEY: false });
    expect(JSON.stringify(view)).not.toContain('sk-test-123');
    expect(view.project).toBe(TEST_PROJECT);
  });

  it('up streams progress in order: images, then each service created → started → healthy after its dependencies', async () => {
    const from = f.pushes.length;
    const report = ok<UpReport>(await f.invoke('stack:up'));
    expect(report.ok, JSON.stringify(report)).toBe(true);
    expect(report.services.map((s) => [s.service, s.outcome])).toEqual([
      ['db', 'healthy'],
      ['api', 'healthy'],
      ['web', 'healthy'],
    ]);
    const pushes = f.pushes.slice(from);
    const operation = pushes.find((p) => p.kind === 'operation' && p.state === 'started') as Extract<
      StackPush,
      { kind: 'operation' }
    >;
    expect(operation.name).toBe('up');
    const events = pushes.flatMap((p) => (p.kind === 'event' && p.operation === operation.id ? [p.event] : []));
    const index = (match: (e: (typeof events)[number]) => boolean) => events.findIndex(match);
    const phase = (service: string, name: string) =>
      index((e) => e.type === 'service' && e.service === service && e.phase === name);
    const lastImage = Math.max(...events.map((e, i) => (e.type === 'image' ? i : -1)));
    expect(lastImage).toBeGreaterThanOrEqual(0);
    for (const service of ['db', 'api', 'web']) {
      expect(phase(service, 'creating'), service).toBeGreaterThan(lastImage);
      expect(phase(service, 'starting'), service).toBeGreaterThan(phase(service, 'creating'));
      expect(phase(service, 'healthy'), service).toBeGreaterThan(phase(service, 'starting'));
    }
    expect(phase('api', 'starting')).toBeGreaterThan(phase('db', 'healthy'));
    expect(phase('web', 'starting')).toBeGreaterThan(phase('api', 'healthy'));
    expect(pushes.some((p) => p.kind === 'operation' && p.id === operation.id && p.state === 'done')).toBe(true);
  });

  it('a container killed from outside shows in a status push (no polling), and restart brings it back', async () => {
    const from = f.pushes.length;
    const killedAt = Date.now();
    await engine!.docker.getContainer(containerName(TEST_PROJECT, 'api')).kill();
    await vi.waitFor(
      () => {
        const seen = statuses()
          .filter((p) => f.pushes.indexOf(p) >= from)
          .find((p) => serviceState(p.status, 'api')?.state !== 'running');
        expect(seen).toBeDefined();
      },
      { timeout: 5_000, interval: 20 },
    );
    // Reported, not asserted (the time depends on the machine's load; bench/stack.bench.ts measures it).
    const seen = statuses()
      .filter((p) => f.pushes.indexOf(p) >= from)
      .find((p) => serviceState(p.status, 'api')?.state !== 'running');
    console.info(`killed api in a status push ${seen!.seenAt - killedAt} ms after the kill`);
    const status = ok<StackStatus>(await f.invoke('stack:status'));
    expect(serviceState(status, 'api')?.state).toBe('exited');
    const report = ok<{ outcome: string }>(await f.invoke('stack:restart', 'api'));
    expect(report.outcome).toBe('healthy');
    await vi.waitFor(() => expect(serviceState(statuses().at(-1)!.status, 'api')?.state).toBe('running'), {
      timeout: 5_000,
    });
    expect(refused(await f.invoke('stack:restart', 'nope')).code).toBe('unknown_service');
  });

  it('pushes CPU and memory samples of the running services', async () => {
    await vi.waitFor(
      () => {
        const stats = f.pushes.filter((p) => p.kind === 'stats').at(-1) as
          | Extract<StackPush, { kind: 'stats' }>
          | undefined;
        expect(stats?.stats.map((s) => s.service).sort()).toEqual(['api', 'db', 'web']);
        expect(stats!.stats.every((s) => s.memoryBytes > 0)).toBe(true);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('follows a log: lines arrive as pushes until stop', async () => {
    const tail = ok<{ text: string }[]>(await f.invoke('stack:logs', 'api', 5));
    expect(tail.length).toBeGreaterThan(0);
    const { followId } = ok<{ followId: string }>(await f.invoke('stack:logs:follow', 'api', 1));
    const lines = () =>
      f.pushes.flatMap((p) => (p.kind === 'log' && p.followId === followId ? p.lines.map((l) => l.text) : []));
    await vi.waitFor(() => expect(lines().filter((l) => l.startsWith('tick')).length).toBeGreaterThanOrEqual(3), {
      timeout: 10_000,
    });
    const ticks = lines()
      .filter((l) => l.startsWith('tick'))
      .map((l) => Number(l.split(' ')[1]));
    // Consecutive: nothing dropped between the batches.
    expect(ticks.slice(1).every((n, i) => n === ticks[i]! + 1)).toBe(true);
    expect(ok<{ stopped: boolean }>(await f.invoke('stack:logs:stop', followId)).stopped).toBe(true);
    await vi.waitFor(() =>
      expect(f.pushes.some((p) => p.kind === 'log' && p.followId === followId && p.ended)).toBe(true),
    );
    expect(ok<{ stopped: boolean }>(await f.invoke('stack:logs:stop', followId)).stopped).toBe(false);
  });

  it('down with the volumes needs the stack name typed; keeping them needs nothing', async () => {
    const error = refused(await f.invoke('stack:down', { removeVolumes: true, confirm: 'speaknode' }));
    expect(error.code).toBe('confirm_needed');
    expect(error.message).toContain(`(${TEST_PROJECT})`);
    const down = ok<{ removed: string[]; volumesRemoved: boolean }>(
      await f.invoke('stack:down', { removeVolumes: false }),
    );
    expect(down.removed.sort()).toEqual(['api', 'db', 'web']);
    expect(down.volumesRemoved).toBe(false);
    const volumes = await engine!.docker.listVolumes();
    expect(volumes.Volumes?.some((v) => v.Name === `${TEST_PROJECT}_db-data`)).toBe(true);
  });

  it('cancel mid-up answers with what to do and leaves a state the next up repairs', async () => {
    const from = f.pushes.length;
    const up = f.invoke('stack:up');
    // Cancel while db waits for its health (it takes a second).
    await vi.waitFor(
      () =>
        expect(
          f.pushes
            .slice(from)
            .some(
              (p) =>
                p.kind === 'event' &&
                p.event.type === 'service' &&
                p.event.service === 'db' &&
                p.event.phase === 'starting',
            ),
        ).toBe(true),
      { timeout: 10_000, interval: 10 },
    );
    const cancelled = ok<{ cancelled: string[] }>(await f.invoke('stack:cancel'));
    expect(cancelled.cancelled).toHaveLength(1);
    const error = refused(await up);
    expect(error.code).toBe('cancelled');
    expect(error.message).toMatch(/cancelled.*run it again/);
    const half = ok<StackStatus>(await f.invoke('stack:status'));
    expect(serviceState(half, 'web')?.state === 'running' && serviceState(half, 'web')?.health === 'healthy').toBe(
      false,
    );
    expect(f.pushes.slice(from).some((p) => p.kind === 'operation' && p.state === 'cancelled')).toBe(true);
    const again = ok<UpReport>(await f.invoke('stack:up'));
    expect(again.ok, JSON.stringify(again)).toBe(true);
    const status = ok<StackStatus>(await f.invoke('stack:status'));
    expect(status.services.map((s) => [s.service, s.state, s.health])).toEqual([
      ['db', 'running', 'healthy'],
      ['api', 'running', 'healthy'],
      ['web', 'running', 'healthy'],
    ]);
  });

  it('a port taken: doctor names it, up says what to do, another port in the settings repairs it', async () => {
    await f.invoke('stack:down', { removeVolumes: false });
    const blocker: Server = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      ok(await f.invoke('stack:init', { settings: settings(taken) }));
      const report = ok<DoctorReport>(await f.invoke('stack:doctor'));
      const ports = report.checks.find((c) => c.name === 'ports')!;
      expect(ports.ok).toBe(false);
      expect(ports.detail).toContain(`tcp/${taken}`);
      const up = ok<UpReport>(await f.invoke('stack:up'));
      expect(up.ok).toBe(false);
      const web = up.services.find((s) => s.service === 'web')!;
      expect(web.outcome).toBe('failed');
      expect(web.error).toMatch(/port this service publishes is taken.*choose another port in Settings/s);
    } finally {
      blocker.close();
    }
    ok(await f.invoke('stack:init', { settings: settings(controlPort) }));
    const repaired = ok<UpReport>(await f.invoke('stack:up'));
    expect(repaired.ok, JSON.stringify(repaired)).toBe(true);
  });

  it('a bundle with a wrong checksum is refused with what to do; the right one verifies and loads', async () => {
    const tarball = `${f.stateDir}/bundle.tar`;
    await writeBundle(engine!.docker, [TEST_IMAGES[0]!], tarball);
    const manifestPath = `${f.stateDir}/bundle.json`;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { sha256: string };
    const good = ok<{ images: string[]; sha256: string }>(await f.invoke('stack:bundle:verify', tarball));
    expect(good.images).toEqual([TEST_IMAGES[0]]);
    await writeFile(manifestPath, JSON.stringify({ ...manifest, sha256: '0'.repeat(64) }));
    const bad = refused(await f.invoke('stack:bundle:verify', tarball));
    expect(bad.code).toBe('bad_bundle');
    expect(bad.message).toMatch(/fails its checksum.*copy it again/);
    expect(refused(await f.invoke('stack:bundle:load', tarball)).code).toBe('bad_bundle');
    expect(refused(await f.invoke('stack:bundle:verify', `${f.stateDir}/missing.tar`)).code).toBe('bad_bundle');
    // Without a file chooser (no Electron dialog given to the handlers) the page is told to type the path.
    expect(refused(await f.invoke('stack:bundle:choose')).code).toBe('no_file_chooser');
    await writeFile(manifestPath, JSON.stringify(manifest));
    const from = f.pushes.length;
    const loaded = ok<{ images: string[] }>(await f.invoke('stack:bundle:load', tarball));
    expect(loaded.images).toEqual([TEST_IMAGES[0]]);
    expect(
      f.pushes.slice(from).some((p) => p.kind === 'event' && p.event.type === 'image' && p.event.action === 'loaded'),
    ).toBe(true);
  });

  it('upgrade: the plan names the image change, the run reports each service', async () => {
    standInChoice.apiTag = '2';
    try {
      const plan = ok<UpgradePlan>(await f.invoke('stack:upgrade:plan'));
      expect(plan.changes.find((c) => c.service === 'api')).toMatchObject({
        change: 'image',
        from: 'speaknode-test/busybox:1',
        to: 'speaknode-test/busybox:2',
      });
      expect(plan.changes.find((c) => c.service === 'db')?.change).toBe('none');
      const report = ok<{ ok: boolean; services: { service: string; result: string }[] }>(
        await f.invoke('stack:upgrade'),
      );
      expect(report.ok).toBe(true);
      expect(report.services.find((s) => s.service === 'api')?.result).toBe('upgraded');
      expect(report.services.find((s) => s.service === 'db')?.result).toBe('unchanged');
    } finally {
      standInChoice.apiTag = '1';
    }
  });
});
