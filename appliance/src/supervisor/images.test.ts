import { createServer, type Server } from 'node:http';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProgressPrinter } from '../cli/progress.ts';
import type { StackEvent } from './events.ts';
import { pullImage } from './images.ts';

/** Speaks the Engine API's pull endpoint: progress as JSON lines, as the engine sends them. */
function fakeEngine(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname.endsWith('/images/create')) {
      const image = `${url.searchParams.get('fromImage')}:${url.searchParams.get('tag')}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      if (image.startsWith('missing/')) {
        res.end(
          `${JSON.stringify({ error: `pull access denied for ${image}`, errorDetail: { message: 'denied' } })}\n`,
        );
        return;
      }
      const lines = [
        { status: `Pulling from ${url.searchParams.get('fromImage')}`, id: url.searchParams.get('tag') },
        { status: 'Pulling fs layer', id: 'aaa' },
        { status: 'Pulling fs layer', id: 'bbb' },
        { status: 'Downloading', id: 'aaa', progressDetail: { current: 50, total: 100 } },
        { status: 'Downloading', id: 'bbb', progressDetail: { current: 100, total: 300 } },
        { status: 'Download complete', id: 'aaa' },
        { status: 'Downloading', id: 'bbb', progressDetail: { current: 300, total: 300 } },
        { status: 'Pull complete', id: 'bbb' },
        { status: `Status: Downloaded newer image for ${image}` },
      ];
      res.end(lines.map((l) => JSON.stringify(l)).join('\r\n'));
      return;
    }
    res.writeHead(404).end('{"message":"not found"}');
  });
}

describe('pullImage', () => {
  const server = fakeEngine();
  let docker: Docker;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    docker = new Docker({ host: '127.0.0.1', port: (server.address() as { port: number }).port, protocol: 'http' });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('reports per-layer progress and completion', async () => {
    const events: StackEvent[] = [];
    await pullImage(docker, 'postgres:16.4-alpine3.20', (e) => events.push(e));
    expect(events[0]).toEqual({ type: 'image', image: 'postgres:16.4-alpine3.20', action: 'pulling' });
    expect(events.at(-1)).toEqual({ type: 'image', image: 'postgres:16.4-alpine3.20', action: 'pulled' });
    expect(events).toContainEqual({
      type: 'pull-progress',
      image: 'postgres:16.4-alpine3.20',
      layer: 'bbb',
      status: 'Downloading',
      current: 100,
      total: 300,
    });

    let printed = '';
    const printer = new ProgressPrinter({ write: (t) => (printed += t), writeErr: () => {}, isTTY: false }, false);
    for (const e of events) printer.handle(e);
    expect(printed).toContain('pulling postgres:16.4-alpine3.20');
    expect(printed).toMatch(/\[#+ *\] +100% 2 layers/);
  });

  it('fails with the registry error and the offline-bundle hint', async () => {
    await expect(pullImage(docker, 'missing/image:1', () => {})).rejects.toThrow(
      /pulling missing\/image:1 failed: pull access denied/,
    );
    const unreachable = new Docker({ socketPath: '/nonexistent/docker.sock' });
    await expect(pullImage(unreachable, 'x:1', () => {})).rejects.toThrow(/speaknode up --bundle/);
  });
});
