import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProblem, problemErrorHandler } from '../problem.ts';
import { respondWithEventStream } from './event-stream.ts';

let server: ReturnType<express.Express['listen']>;
let base: string;

beforeAll(async () => {
  const app = express();
  app.get('/stream/:how', async (req, res) => {
    await respondWithEventStream(res, async (emit) => {
      if (req.params.how === 'refused') throw HttpProblem.notFound('no such session');
      emit({ event: 'delta', data: { text: 'Hel' } });
      emit({ event: 'delta', data: { text: 'lo' } });
      if (req.params.how === 'broken') throw new Error('the model went away');
      emit({ event: 'done', data: { reply: 'Hello' } });
    });
  });
  app.use(problemErrorHandler());
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('respondWithEventStream', () => {
  it('streams each event as `event:` and JSON `data:`', async () => {
    const res = await fetch(`${base}/stream/ok`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await res.text()).toBe(
      'event: delta\ndata: {"text":"Hel"}\n\nevent: delta\ndata: {"text":"lo"}\n\nevent: done\ndata: {"reply":"Hello"}\n\n',
    );
  });

  it('answers a refusal before the first event with its own status as problem+json', async () => {
    const res = await fetch(`${base}/stream/refused`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toBe('no such session');
  });

  it('ends a stream that fails midway with an error event carrying the problem', async () => {
    const res = await fetch(`${base}/stream/broken`);
    expect(res.status).toBe(200);
    const last = (await res.text()).trim().split('\n\n').at(-1);
    expect(last).toBe(
      'event: error\ndata: {"problem":{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"the reply failed: the model went away"}}',
    );
  });
});
