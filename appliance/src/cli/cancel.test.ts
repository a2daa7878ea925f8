import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from './exit-codes.ts';
import { main } from './main.ts';

/**
 * An engine whose pulls never finish: one progress line, then the response stays open (a slow
 * registry). Counts the pulls whose connection the client closed.
 */
function stuckEngine() {
  const state = { closed: 0, pulls: 0 };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/v[\d.]+/, '');
    if (path === '/_ping') return res.writeHead(200).end('OK');
    if (req.method === 'GET' && /^\/images\/.+\/json$/.test(path)) {
      return res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"No such image"}');
    }
    if (req.method === 'POST' && path === '/images/create') {
      state.pulls++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(
        `${JSON.stringify({ status: 'Downloading', id: 'l1', progressDetail: { current: 1, total: 100 } })}\r\n`,
      );
      res.on('close', () => {
        state.closed++;
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
  });
  return { server, state };
}

describe('Ctrl-C', () => {
  let dir: string;
  const engine = stuckEngine();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sn-cancel-'));
    engine.state.closed = 0;
    engine.state.pulls = 0;
    await new Promise<void>((r) => engine.server.listen(0, '127.0.0.1', () => r()));
  });
  afterEach(async () => {
    engine.server.closeAllConnections();
    await new Promise<void>((r) => engine.server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('aborts the running operation: the pulls in flight are closed, the command says so and exits 130', async () => {
    const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: '' };
    const state = ['--state-dir', join(dir, 'state'), '--secret-store', 'file'];
    const quiet = { write: () => {}, writeErr: () => {}, isTTY: false, env };
    expect(await main([...state, 'init', '--yes', '--domain', 'voice.example.com'], quiet)).toBe(ExitCode.ok);
    const host = `tcp://127.0.0.1:${(engine.server.address() as { port: number }).port}`;
    const bin = join(import.meta.dirname, '../../bin/speaknode.js');
    const child = spawn(process.execPath, [bin, ...state, '--docker-host', host, '--json', 'pull'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Pulls are under way (three at a time), and none will ever finish on its own.
    await expect.poll(() => engine.state.pulls, { timeout: 20_000 }).toBe(3);
    await expect.poll(() => stdout.includes('"pull-progress"'), { timeout: 20_000 }).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(ExitCode.cancelled);
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ ok: false, exitCode: 130, cancelled: 'pull' });
    expect(last.error).toMatch(
      /^pull cancelled; what it had done stays, and the next `speaknode pull` takes it from there/,
    );
    expect(stderr).toContain('cancelling');
    await expect.poll(() => engine.state.closed).toBe(3);
    expect(engine.state.pulls).toBe(3);
  }, 60_000);

  it('a command given an aborted signal stops before touching the engine', async () => {
    const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: '' };
    const state = ['--state-dir', join(dir, 'state'), '--secret-store', 'file'];
    const quiet = { write: () => {}, writeErr: () => {}, isTTY: false, env };
    await main([...state, 'init', '--yes', '--domain', 'voice.example.com'], quiet);
    const host = `tcp://127.0.0.1:${(engine.server.address() as { port: number }).port}`;
    let stderr = '';
    const code = await main([...state, '--docker-host', host, 'up'], {
      ...quiet,
      writeErr: (t) => {
        stderr += t;
      },
      signal: AbortSignal.abort(),
    });
    expect(code).toBe(ExitCode.cancelled);
    expect(stderr).toMatch(/up cancelled; .*next `speaknode up`/);
    expect(engine.state.pulls).toBe(0);
  });

  it('a command with nothing to cancel cleanly (doctor on an engine that never answers) ends at once', async () => {
    const silent = createTcpServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const host = `tcp://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const bin = join(import.meta.dirname, '../../bin/speaknode.js');
      const child = spawn(process.execPath, [bin, '--state-dir', join(dir, 'state'), '--docker-host', host, 'doctor'], {
        env: { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let connected = false;
      silent.on('connection', () => {
        connected = true;
      });
      await expect.poll(() => connected, { timeout: 20_000 }).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(ExitCode.cancelled);
    } finally {
      silent.close();
    }
  }, 60_000);
});
