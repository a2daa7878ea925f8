import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from './exit-codes.ts';
import { main } from './main.ts';

/** The Engine API endpoints `pull` uses: ping, image inspect (404 until pulled), pull with layer progress. */
function fakeEngine(pulls: string[]): Server {
  const present = new Set<string>();
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/v[\d.]+/, '');
    if (path === '/_ping') return res.writeHead(200).end('OK');
    const inspect = path.match(/^\/images\/(.+)\/json$/);
    if (req.method === 'GET' && inspect) {
      const name = decodeURIComponent(inspect[1]!);
      if (present.has(name)) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"Size":1}');
      return res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"No such image"}');
    }
    if (req.method === 'POST' && path === '/images/create') {
      const image = `${url.searchParams.get('fromImage')}:${url.searchParams.get('tag')}`;
      pulls.push(image);
      present.add(image);
      res.writeHead(200, { 'content-type': 'application/json' });
      const lines = [
        { status: 'Pulling fs layer', id: 'l1' },
        { status: 'Downloading', id: 'l1', progressDetail: { current: 10, total: 20 } },
        { status: 'Pull complete', id: 'l1' },
      ];
      return res.end(lines.map((l) => JSON.stringify(l)).join('\r\n'));
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
  });
}

describe('speaknode pull', () => {
  const pulls: string[] = [];
  const server = fakeEngine(pulls);
  let dir: string;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    dir = await mkdtemp(join(tmpdir(), 'sn-pull-'));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('pulls every missing third-party image with layer progress and names our images that must be built', async () => {
    let stdout = '';
    const io = {
      write: (t: string) => {
        stdout += t;
      },
      writeErr: () => {},
      isTTY: false,
      env: { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: '' },
    };
    const state = ['--state-dir', join(dir, 'state'), '--secret-store', 'file'];
    expect(
      await main(
        [...state, 'init', '--yes', '--domain', 'voice.example.com', '--registry-mirror', 'mirror.local:5000'],
        io,
      ),
    ).toBe(ExitCode.ok);
    stdout = '';
    const host = `tcp://127.0.0.1:${(server.address() as { port: number }).port}`;
    const code = await main([...state, '--docker-host', host, '--json', 'pull'], io);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const last = lines.at(-1);
    expect(code).toBe(ExitCode.failed);
    // Third-party images from the mirror, ours never pulled.
    expect(pulls).toContain('mirror.local:5000/library/postgres:16.4-alpine3.20');
    expect(pulls.some((p) => p.startsWith('speaknode/'))).toBe(false);
    expect(last.missing).toEqual(expect.arrayContaining(['speaknode/control:0.1.0', 'speaknode/agent:0.1.0']));
    expect([...last.pulled].sort()).toEqual([...pulls].sort());
    expect(lines).toContainEqual({
      event: {
        type: 'pull-progress',
        image: 'mirror.local:5000/library/postgres:16.4-alpine3.20',
        layer: 'l1',
        status: 'Downloading',
        current: 10,
        total: 20,
      },
    });
    // A second pull finds them present.
    pulls.length = 0;
    stdout = '';
    await main([...state, '--docker-host', host, '--json', 'pull'], io);
    expect(pulls).toEqual([]);
  });
});
