import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAIChatServer } from '../services/control/src/testing/openai-chat-server.ts';
import { discoverServices } from './services.ts';

/** `npm start` as a newcomer runs it, in its own process group so the test can signal the group. */
const root = resolve(import.meta.dirname, '..');
const services = discoverServices(root);
const started: ChildProcess[] = [];
const STARTUP_MS = 240_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Every process below `pid`, read off /proc (the services run in process groups of their own). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

async function portOpen(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

interface Launch {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(env: NodeJS.ProcessEnv): Launch {
  const npm = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(npm);
  let output = '';
  npm.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  npm.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((done) => npm.once('exit', (code) => done(code)));
  return { npm, output: () => output, exited };
}

async function movedPorts(): Promise<Record<string, string>> {
  const env: Record<string, string> = { SPEAKNODE_STATE_DIR: mkdtempSync(join(tmpdir(), 'speaknode-start-')) };
  for (const service of services) env[service.portVariable] = String(await freePort());
  return env;
}

async function startAll(env: Record<string, string>): Promise<Launch> {
  const run = launch(env);
  await expect
    .poll(() => run.output(), { timeout: STARTUP_MS, interval: 500 })
    .toMatch(/all services up|did not become healthy|exited \(/);
  expect(run.output()).toContain('all services up');
  return run;
}

async function expectAllGone(processes: number[], ports: number[]) {
  await expect.poll(() => processes.filter(alive), { timeout: 60_000, interval: 250 }).toEqual([]);
  for (const port of ports) expect(await portOpen(port)).toBe(false);
}

afterEach(() => {
  for (const npm of started.splice(0)) {
    for (const pid of [npm.pid!, ...descendants(npm.pid!)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

describe('npm start', () => {
  it(
    'moves every port by its variable, tells each service where the others are, and stops on SIGTERM to npm',
    async () => {
      const env = await movedPorts();
      const run = await startAll(env);
      const ports = services.map((service) => Number(env[service.portVariable]));
      for (const service of services) {
        const res = await fetch(`http://127.0.0.1:${env[service.portVariable]}/healthz`);
        expect(res.status, service.name).toBe(200);
        expect(run.output()).toContain(`${service.name.padEnd(10)} http://127.0.0.1:${env[service.portVariable]}`);
      }
      // The embedded issuer moved with control: a trial token from it is accepted by control.
      const { stdout: token } = await promisify(execFile)('npm', ['run', '-s', 'token'], {
        cwd: root,
        env: { ...process.env, ...env },
      });
      const created = await fetch(`http://127.0.0.1:${env.CONTROL_PORT}/api/v1/spaces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token.trim()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Moved ports' }),
      });
      expect(created.status).toBe(201);
      // A text conversation crosses every moved address: control → agent worker (AGENT_URL) → control's
      // internal API with a token from the moved issuer → the LLM, and the reply back.
      const llm = await startOpenAIChatServer(() => ({ text: 'Hello from the moved ports.' }));
      try {
        const api = async (path: string, body: unknown) => {
          const res = await fetch(`http://127.0.0.1:${env.CONTROL_PORT}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token.trim()}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          return { status: res.status, body: (await res.json()) as Record<string, string> };
        };
        const space = (await created.json()) as { id: string };
        const agent = await api(`/api/v1/spaces/${space.id}/agents`, {
          name: 'Front desk',
          prompt: 'You are the front desk.',
          llm: { provider: 'openai-compatible', baseUrl: llm.url, model: 'stand-in' },
          stt: { provider: 'speaknode-models' },
          tts: { provider: 'speaknode-models', voice: 'en_US-stand-in-medium' },
        });
        expect(agent.status, JSON.stringify(agent.body)).toBe(201);
        const session = await api(`/api/v1/spaces/${space.id}/agents/${agent.body.id}/test-sessions`, { mode: 'text' });
        expect(session.status, JSON.stringify(session.body)).toBe(201);
        const message = await api(String(session.body.messagesUrl), { text: 'Hi there' });
        expect(message).toMatchObject({ status: 200, body: { reply: 'Hello from the moved ports.', ended: false } });
      } finally {
        await llm.close();
      }

      const tree = descendants(run.npm.pid!);
      expect(tree.length).toBeGreaterThanOrEqual(services.length + 1);
      process.kill(run.npm.pid!, 'SIGTERM');
      await run.exited;
      await expectAllGone(tree, ports);
    },
    STARTUP_MS + 120_000,
  );

  it(
    'stops everything on SIGINT to npm and on SIGINT to its process group',
    async () => {
      for (const target of ['npm', 'group'] as const) {
        const env = await movedPorts();
        const run = await startAll(env);
        const tree = descendants(run.npm.pid!);
        process.kill(target === 'npm' ? run.npm.pid! : -run.npm.pid!, 'SIGINT');
        await run.exited;
        await expectAllGone(
          tree,
          services.map((service) => Number(env[service.portVariable])),
        );
      }
    },
    2 * (STARTUP_MS + 60_000),
  );

  it('refuses a port variable that is not a port number, naming it', async () => {
    const run = launch({ CONTROL_PORT: '80a', SPEAKNODE_STATE_DIR: mkdtempSync(join(tmpdir(), 'speaknode-start-')) });
    expect(await run.exited).not.toBe(0);
    expect(run.output()).toMatch(/CONTROL_PORT="80a" is not a port number/);
  });

  it('names the service, the port and the variable when a port is taken, in one line', async () => {
    const holder: Server = createServer();
    await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done));
    const { port } = holder.address() as { port: number };
    try {
      const env = { ...(await movedPorts()), AGENT_PORT: String(port) };
      const run = launch(env);
      expect(await run.exited).not.toBe(0);
      const lines = run
        .output()
        .split('\n')
        .filter((line) => line.includes(String(port)));
      expect(lines).toEqual([expect.stringMatching(new RegExp(`agent: port ${port} is taken; set AGENT_PORT`))]);
      expect(run.output()).not.toContain('EADDRINUSE');
    } finally {
      holder.close();
    }
  });
});
