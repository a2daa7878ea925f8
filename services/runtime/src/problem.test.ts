import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpProblem, notFoundHandler, parseOrProblem, problemErrorHandler } from './problem.ts';

let server: Server;
let base: string;
const logged: unknown[] = [];

beforeAll(async () => {
  const app = express();
  app.use(express.json({ limit: 1024 }));
  app.post('/things', (req, res) => {
    const body = parseOrProblem(z.object({ name: z.string().min(1), size: z.number().int() }), req.body);
    res.status(201).json(body);
  });
  app.get('/limited', () => {
    throw HttpProblem.tooManyRequests(7);
  });
  app.get('/crash', () => {
    throw new Error('database password is hunter2');
  });
  app.use(notFoundHandler);
  app.use(problemErrorHandler((_m, e) => logged.push(e)));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (body: string) =>
  fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('problem+json', () => {
  it('lists failing field paths of a bad payload', async () => {
    const res = await post(JSON.stringify({ name: '', size: 1.5 }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['name', 'size']);
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    const malformed = await post('{"name":');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { detail: string }).detail).toBe('the request body is not valid JSON');
    const big = await post(JSON.stringify({ name: 'x'.repeat(5000), size: 1 }));
    expect(big.status).toBe(413);
  });

  it('sets headers a problem carries (Retry-After)', async () => {
    const res = await fetch(`${base}/limited`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('hides internal errors and logs them', async () => {
    const res = await fetch(`${base}/crash`);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('hunter2');
    expect(logged).toHaveLength(1);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toBe('no route for GET /nope');
  });
});
