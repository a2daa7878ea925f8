/**
 * The appliance for real: our images built from this checkout (`buildServiceImages`, on a Node base
 * made from a debootstrap root), PostgreSQL and Redis from Debian's packages, the supervisor's `up`
 * on a private dockerd, and a text conversation through control's published port, answered by the
 * agent container calling an LLM stand-in container on the stack network. Then `down` and `up`
 * again: the data is kept.
 *
 * Caching: the engine's data root lives in $SPEAKNODE_CACHE_DIR (default /var/cache/speaknode), so
 * the base images and unchanged build layers survive to the next run; the Debian roots are built once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceImages } from '../images/build.ts';
import { serviceImage, serviceImageTag } from '../images/service-images.ts';
import { FileSecretStore } from '../secrets/file-secret-store.ts';
import { defineStack } from '../stack/stack.ts';
import { runInit } from '../state/init.ts';
import { StateDir } from '../state/state-dir.ts';
import { CORE_SERVICES, coreStack } from '../testing/core-stack.ts';
import {
  cacheDir,
  ensureDebianServiceImages,
  ensureLlmStandInImage,
  ensureNodeBaseImage,
  TEST_IMAGES,
} from '../testing/local-images.ts';
import { type PrivateEngine, startPrivateEngine } from '../testing/private-engine.ts';
import { containerName } from './container-spec.ts';
import { demuxAll } from './logs.ts';
import { resolveStack } from './resolve.ts';
import { StackSupervisor } from './supervisor.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
const started = await startPrivateEngine({ dataRoot: join(cacheDir(), 'real-stack-engine') });
const engine: PrivateEngine | undefined = 'engine' in started ? started.engine : undefined;
if (!engine) console.info(`real-stack test skipped: ${'skip' in started ? started.skip : ''}`);
const suite = engine ? describe : describe.skip;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

suite('the real stack on a private Docker Engine', () => {
  // describe.skip still runs this body: no engine, no docker.
  const docker = engine?.docker as PrivateEngine['docker'];
  let tmp: string;
  let supervisor: StackSupervisor;
  let controlUrl: string;
  let modelsImage: string;
  const project = 'snreal';

  beforeAll(async () => {
    const t0 = Date.now();
    tmp = await mkdtemp(join(tmpdir(), 'sn-real-stack-'));
    await ensureNodeBaseImage(docker);
    await ensureDebianServiceImages(docker);
    await ensureLlmStandInImage(docker, repoRoot);
    const settings = {
      project,
      domain: 'localhost',
      ports: { control: await freePort(), webhooks: await freePort(), bridge: await freePort() },
    };
    const stateDir = new StateDir(join(tmp, 'state'));
    const secretStore = new FileSecretStore(join(tmp, 'state', 'secrets.json'));
    const init = await runInit({ stateDir, settings, secretStore });
    await buildServiceImages({
      docker,
      repoRoot,
      // The models host is not part of the core stack; its image is started on its own below.
      images: ['control', 'webhooks', 'agent', 'bridge', 'models'].map(serviceImage),
      tagOf: (name) => serviceImageTag(init.settings, name),
      stagingDir: join(tmp, 'images'),
      base: TEST_IMAGES.nodeBase,
    });
    modelsImage = serviceImageTag(init.settings, 'models');
    const full = resolveStack(defineStack(init.settings), [], await secretStore.getAll(), stateDir.configDir);
    supervisor = new StackSupervisor({ docker, stack: coreStack(full), healthTimeoutMs: 180_000 });
    // A run that stopped half-way leaves its containers and volumes in the cached engine.
    await supervisor.down({ removeVolumes: true });
    controlUrl = `http://127.0.0.1:${settings.ports.control}`;
    console.info(`real-stack: images ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    // A bare cache builds two Debian roots first (debootstrap, then PostgreSQL and Redis packages).
  }, 1_800_000);

  afterAll(async () => {
    await supervisor?.down({ removeVolumes: true }).catch(() => {});
    // Images replaced by this run's builds would pile up in the cached data root.
    await engine?.docker.pruneImages({ filters: { dangling: { true: true } } }).catch(() => {});
    await engine?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }, 180_000);

  /** `docker exec`: the command's output lines. */
  async function execIn(container: string, cmd: string[]) {
    const exec = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    await new Promise<void>((done, fail) => {
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => done());
      stream.on('error', fail);
    });
    return demuxAll(container, Buffer.concat(chunks));
  }

  /** A trial admin token from control's embedded issuer, as an IT person gets one: `docker exec`. */
  async function adminToken(): Promise<string> {
    const lines = await execIn(containerName(project, 'control'), [
      'node',
      '/opt/speaknode/app/services/control/src/cli/token.js',
    ]);
    const token = lines.find((l) => l.stream === 'stdout' && l.text.startsWith('ey'))?.text;
    if (!token) throw new Error(`no token: ${lines.map((l) => l.text).join('\n')}`);
    return token;
  }

  async function api(token: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${controlUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('comes up in dependency order, holds a text conversation through control, and keeps its data over down and up', async () => {
    const first = await supervisor.up();
    expect(first.services.filter((s) => s.error).map((s) => `${s.service}: ${s.error}`)).toEqual([]);
    expect(first.ok).toBe(true);
    expect(first.services.map((s) => [s.service, s.outcome])).toEqual(
      expect.arrayContaining([...CORE_SERVICES, 'llm'].map((name) => [name, 'healthy'])),
    );

    // Our containers: compiled JavaScript as uid 1000 under an init process, migrations applied at entry.
    for (const name of ['control', 'webhooks', 'agent', 'bridge']) {
      const info = await docker.getContainer(containerName(project, name)).inspect();
      expect(info.Config.User, name).toBe('1000:1000');
      expect(info.HostConfig.Init, name).toBe(true);
      expect(info.Path, name).toBe('/usr/local/bin/speaknode-entrypoint');
      // Limits fit the host (the agent asks for 4 CPUs).
      expect(info.HostConfig.NanoCpus!, name).toBeLessThanOrEqual((await supervisor.hostCapacity()).cpus * 1e9);
    }
    const controlLog = (await supervisor.logs('control', { tail: 200 })).map((l) => l.text).join('\n');
    expect(controlLog).toMatch(/control: applied \d+ migration/);
    // The agent gets no provider keys from the environment, and control's token for its API.
    const agentEnv = (await docker.getContainer(containerName(project, 'agent')).inspect()).Config.Env;
    expect(agentEnv.filter((e) => /^(OPENAI|DEEPGRAM|ELEVENLABS)_API_KEY=/.test(e))).toEqual([]);
    expect(agentEnv.some((e) => /^AGENT_API_TOKEN=.{16,}/.test(e))).toBe(true);

    let token = await adminToken();
    const space = await api(token, 'POST', '/api/v1/spaces', { name: 'Real stack' });
    expect(space.status, JSON.stringify(space.body)).toBe(201);
    const spaceId = String(space.body.id);
    const agent = await api(token, 'POST', `/api/v1/spaces/${spaceId}/agents`, {
      name: 'Front desk',
      prompt: 'You are the front desk.',
      llm: { provider: 'openai-compatible', baseUrl: 'http://llm:8000/v1', model: 'stand-in' },
      stt: { provider: 'speaknode-models' },
      tts: { provider: 'speaknode-models', voice: 'en_US-stand-in-medium' },
    });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    const session = await api(token, 'POST', `/api/v1/spaces/${spaceId}/agents/${agent.body.id}/test-sessions`, {
      mode: 'text',
    });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    const reply = await api(token, 'POST', String(session.body.messagesUrl), { text: 'Is the appliance up?' });
    expect(reply).toMatchObject({ status: 200, body: { reply: 'You said: Is the appliance up?' } });

    // Control's image carries the widget and the console's web build, served from its own origin.
    const manifest = await fetch(`${controlUrl}/widget/v1/manifest.json`);
    expect(manifest.status).toBe(200);
    const files = Object.keys(((await manifest.json()) as { files: Record<string, unknown> }).files);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const script = await fetch(`${controlUrl}/widget/v1/${file}`);
      expect(script.status, file).toBe(200);
      expect(script.headers.get('content-type'), file).toMatch(/javascript/);
    }
    const consolePage = await fetch(`${controlUrl}/console/`);
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toMatch(/<script[^>]+src="[^"]+\.js"/);

    // down keeps the volumes; up brings back the same data.
    const down = await supervisor.down();
    expect(down.removed).toEqual(expect.arrayContaining([...CORE_SERVICES]));
    const second = await supervisor.up();
    expect(second.ok).toBe(true);
    token = await adminToken();
    const again = await api(token, 'GET', `/api/v1/spaces/${spaceId}/agents/${agent.body.id}`);
    expect(again).toMatchObject({ status: 200, body: { name: 'Front desk' } });
  }, 900_000);

  it("starts the models host's image on its own: its HEALTHCHECK turns healthy and /healthz answers", async () => {
    const network = await docker.createNetwork({ Name: `${project}-models-check` });
    const port = await freePort();
    const container = await docker.createContainer({
      name: `${project}-models-check`,
      Image: modelsImage,
      // No model files in the volume: the host runs, /healthz answers, /readyz says what is missing.
      Env: ['MODELS_DIR=/var/lib/speaknode/models', 'MODELS_API_TOKEN=models-check-token-0123456789'],
      ExposedPorts: { '8084/tcp': {} },
      HostConfig: {
        Init: true,
        NetworkMode: `${project}-models-check`,
        PortBindings: { '8084/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
      },
    });
    try {
      await container.start();
      await expect
        .poll(async () => (await container.inspect()).State.Health?.Status, { timeout: 120_000, interval: 1000 })
        .toBe('healthy');
      const info = await container.inspect();
      expect(info.Config.User).toBe('1000:1000');
      expect(info.Config.Labels['io.speaknode.image']).toBe('models');
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const models = await fetch(`http://127.0.0.1:${port}/v1/models`, {
        headers: { authorization: 'Bearer models-check-token-0123456789' },
      });
      expect(models.status).toBe(200);
      // onnxruntime's native CPU library loads inside the image (it is copied from the checkout).
      const script =
        "import('onnxruntime-node').then((o) => console.log('ort', typeof o.InferenceSession, o.env.versions?.common ?? ''))";
      const lines = await execIn(`${project}-models-check`, ['node', '-e', script]);
      expect(lines.map((l) => l.text).join('\n')).toMatch(/^ort function/m);
    } finally {
      await container.remove({ force: true }).catch(() => {});
      await network.remove().catch(() => {});
    }
  }, 180_000);
});
