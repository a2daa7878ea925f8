import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fastStatus } from './status-fast.ts';
import { planSources, writeStatusPlan } from './status-plan.ts';

const STARTED = new Date(Date.now() - 60_000).toISOString();

/** The engine's inspect endpoint on a unix socket: `p-db` runs and is current, `p-api` is unhealthy, the rest missing. */
function engine(socket: string, seen: string[]): Promise<Server> {
  const containers: Record<string, object> = {
    'p-db': {
      Id: 'db1',
      RestartCount: 1,
      State: {
        Status: 'running',
        Running: true,
        ExitCode: 0,
        StartedAt: STARTED,
        Health: { Status: 'healthy', Log: [] },
      },
      Config: { Image: 'postgres:16', Labels: { 'io.speaknode.config-hash': 'h-db' } },
    },
    'p-api': {
      Id: 'api1',
      RestartCount: 0,
      State: {
        Status: 'running',
        Running: true,
        ExitCode: 0,
        StartedAt: STARTED,
        Health: {
          Status: 'unhealthy',
          Log: [{ Start: new Date().toISOString(), End: '', ExitCode: 1, Output: 'db refused\n' }],
        },
      },
      Config: { Image: 'speaknode/api:1', Labels: { 'io.speaknode.config-hash': 'old' } },
    },
  };
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const name = decodeURIComponent(req.url?.match(/^\/containers\/([^/]+)\/json$/)?.[1] ?? '');
    const found = containers[name];
    if (!found)
      return res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"No such container"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(found));
  });
  return new Promise((resolve) => server.listen(socket, () => resolve(server)));
}

describe('fast status', () => {
  let dir: string;
  let socket: string;
  let server: Server;
  let code: string;
  const seen: string[] = [];
  const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    let stdout = '';
    const exit = await fastStatus(
      argv,
      {
        write: (t) => {
          stdout += t;
        },
        writeErr: () => {},
        isTTY: false,
        env,
      },
      code,
    );
    return { exit, stdout };
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sn-fast-'));
    socket = join(dir, 'docker.sock');
    server = await engine(socket, seen);
    code = join(dir, 'speaknode.mjs');
    await writeFile(code, '// the bundle');
    await mkdir(join(dir, 'state', 'config'), { recursive: true });
    await writeFile(join(dir, 'state', 'settings.json'), '{}');
    await writeFile(join(dir, 'state', 'config', 'livekit.yaml'), 'port: 7880\n');
    await writeStatusPlan(join(dir, 'state'), {
      format: 1,
      project: 'p',
      engine: socket,
      services: [
        { name: 'db', image: 'postgres:16', hash: 'h-db' },
        { name: 'api', image: 'speaknode/api:1', hash: 'h-api' },
        { name: 'web', image: 'speaknode/web:1', hash: 'h-web' },
      ],
      sources: await planSources(join(dir, 'state'), code),
    });
  });
  afterEach(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('answers from the plan and the engine: the same shape as the full command, with why api is unhealthy', async () => {
    const { exit, stdout } = await run([
      '--state-dir',
      join(dir, 'state'),
      '--docker-host',
      `unix://${socket}`,
      '--json',
      'status',
    ]);
    expect(exit).toBe(0);
    const last = JSON.parse(stdout.trim());
    expect(last).toMatchObject({ ok: true, exitCode: 0 });
    expect(last.services).toEqual([
      expect.objectContaining({ service: 'db', state: 'running', health: 'healthy', restarts: 1, current: true }),
      expect.objectContaining({
        service: 'api',
        health: 'unhealthy',
        current: false,
        healthDetail: 'exit code 1, output: db refused',
      }),
      { service: 'web', state: 'missing', restarts: 0, image: 'speaknode/web:1', current: false },
    ]);
    expect(last.services[0].uptimeS).toBeGreaterThanOrEqual(59);
    const table = await run([`--state-dir=${join(dir, 'state')}`, 'status'], { DOCKER_HOST: socket });
    expect(table.exit).toBe(0);
    expect(table.stdout).toMatch(/^SERVICE +STATE/);
    expect(table.stdout).toContain('unhealthy: last health check exit code 1, output: db refused');
    expect(table.stdout).toContain('speaknode/api:1 (outdated: run up)');
  });

  it("counts the watcher's restarts from its journal", async () => {
    await writeFile(
      join(dir, 'state', 'watch.json'),
      JSON.stringify({
        project: 'p',
        updatedAt: '',
        services: { db: { containerId: 'db1', restarts: 2, gaveUp: 'gave up: see logs' } },
      }),
    );
    const { stdout } = await run(['--state-dir', join(dir, 'state'), '--docker-host', socket, '--json', 'status']);
    expect(JSON.parse(stdout).services[0]).toMatchObject({
      restarts: 3,
      restartsByWatcher: 2,
      watcherGaveUp: 'gave up: see logs',
    });
  });

  it('leaves it to the full command when a source changed, the engine differs, or options it does not know', async () => {
    const state = ['--state-dir', join(dir, 'state')];
    const host = ['--docker-host', `unix://${socket}`];
    expect((await run([...state, ...host, 'status'])).exit).toBe(0);
    expect((await run([...state, ...host, '--health-timeout', '3', 'status'])).exit).toBeUndefined();
    expect((await run([...state, ...host, 'up'])).exit).toBeUndefined();
    expect((await run([...state, '--docker-host', 'tcp://127.0.0.1:2375', 'status'])).exit).toBeUndefined();
    expect(
      (await run([...state, '--docker-host', `unix://${join(dir, 'other.sock')}`, 'status'])).exit,
    ).toBeUndefined();
    // A rewritten config file (init again), a new bundle (an update), a new settings file.
    const later = new Date(Date.now() + 5_000);
    await utimes(join(dir, 'state', 'config', 'livekit.yaml'), later, later);
    expect((await run([...state, ...host, 'status'])).exit).toBeUndefined();
  });

  it('a new bundle or a new config file makes the plan stale too; an engine that fails leaves it to the full command', async () => {
    const state = ['--state-dir', join(dir, 'state')];
    const host = ['--docker-host', `unix://${socket}`];
    await writeFile(code, '// a newer bundle, longer');
    expect((await run([...state, ...host, 'status'])).exit).toBeUndefined();
    await writeFile(code, '// the bundle');
    await writeFile(join(dir, 'state', 'config', 'new.yaml'), 'x: 1\n');
    expect((await run([...state, ...host, 'status'])).exit).toBeUndefined();
    await rm(join(dir, 'state', 'config', 'new.yaml'));
    // A plan written anew is fresh again; then the engine goes away.
    await writeStatusPlan(join(dir, 'state'), {
      format: 1,
      project: 'p',
      engine: socket,
      services: [{ name: 'db', image: 'postgres:16', hash: 'h-db' }],
      sources: await planSources(join(dir, 'state'), code),
    });
    expect((await run([...state, ...host, 'status'])).exit).toBe(0);
    await new Promise<void>((r) => server.close(() => r()));
    server = await engine(join(dir, 'elsewhere.sock'), seen);
    expect((await run([...state, ...host, 'status'])).exit).toBeUndefined();
  });
});
