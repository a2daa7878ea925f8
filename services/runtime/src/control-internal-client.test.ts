import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlApiError, ControlInternalClient } from './control-internal-client.ts';

const SPACE = '0b6b4f8e-6a43-4b5e-8a8a-2c7c1f0d9e02';
const lookup = {
  phoneNumberId: '1b6b4f8e-6a43-4b5e-8a8a-2c7c1f0d9e02',
  spaceId: SPACE,
  agentId: '2b6b4f8e-6a43-4b5e-8a8a-2c7c1f0d9e02',
  provider: 'twilio',
  number: '+14155550100',
  mode: 'stream',
  accountSecret: null,
  accountSettings: {},
};

/** A stand-in for control's internal API that answers from a script, one answer per request. */
let server: Server;
let baseUrl: string;
const requests: Array<{ method: string; url: string; authorization: string | undefined; body: string }> = [];
let script: Array<(req: IncomingMessage) => { status: number; body?: unknown }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      const answer = script.shift()?.(req) ?? { status: 500, body: { detail: 'no answer scripted' } };
      res.statusCode = answer.status;
      if (answer.body === undefined) return res.end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function tokens() {
  let n = 0;
  return {
    issued: () => n,
    token: async () => `token-${n}`,
    invalidate: () => {
      n++;
    },
  };
}

describe('ControlInternalClient', () => {
  it('sends the token, refreshes it once on 401, and reads a 404 lookup as "no such number"', async () => {
    requests.length = 0;
    const source = tokens();
    const client = new ControlInternalClient({ baseUrl, tokens: source, retryDelayMs: 1 });
    script = [() => ({ status: 401 }), () => ({ status: 200, body: lookup })];
    expect(await client.phoneNumberLookup('twilio', '+14155550100')).toEqual(lookup);
    expect(requests.map((r) => r.authorization)).toEqual(['Bearer token-0', 'Bearer token-1']);
    expect(requests[0]?.url).toBe('/internal/v1/phone-numbers/lookup?provider=twilio&number=%2B14155550100');

    script = [() => ({ status: 404, body: { detail: 'no space has it' } })];
    expect(await client.phoneNumberLookup('twilio', '+14155550199')).toBeNull();

    // A second 401 after the refresh is final.
    script = [() => ({ status: 401 }), () => ({ status: 401 })];
    const refused = await client.getCall('c1').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ControlApiError);
    expect((refused as ControlApiError).status).toBe(401);
  });

  it('retries transient failures, never a call update, and gives up on an answer that breaks the contract', async () => {
    const client = new ControlInternalClient({ baseUrl, retryDelayMs: 1 });
    requests.length = 0;
    script = [() => ({ status: 503 }), () => ({ status: 502 }), () => ({ status: 204 })];
    await client.appendTranscript('c1', {
      sequence: 0,
      turns: [{ role: 'user', text: 'hi', at: new Date().toISOString() }] as never,
    });
    expect(requests).toHaveLength(3);

    requests.length = 0;
    script = [() => ({ status: 503 }), () => ({ status: 204 })];
    const update = await client.callUpdate('c1', { status: 'ended' } as never).catch((e: unknown) => e);
    expect((update as ControlApiError).status).toBe(503);
    expect(requests).toHaveLength(1);
    script = [];

    requests.length = 0;
    script = [() => ({ status: 200, body: { not: 'a call' } })];
    const bad = await client.getCall('c1').catch((e: unknown) => e);
    expect((bad as ControlApiError).badAnswer).toBe(true);
    expect((bad as ControlApiError).message).toMatch(/does not match the contract/);
    expect(requests).toHaveLength(1);

    const down = new ControlInternalClient({ baseUrl: 'http://127.0.0.1:1', retryDelayMs: 1 });
    const unreachable = await down.getCall('c1').catch((e: unknown) => e);
    expect((unreachable as ControlApiError).status).toBe(0);
    expect((unreachable as ControlApiError).transient).toBe(true);
    expect(await down.reachable()).toBe(false);
  });

  it('imports nothing but the contracts: no database, bus or Redis client is loaded with it', async () => {
    const { readFile } = await import('node:fs/promises');
    const source = await readFile(new URL('./control-internal-client.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/^import [^;]*? from '([^']+)';/gms)].map((m) => m[1]);
    expect(imports).toEqual(['@speaknode/contracts', 'zod']);
  });
});
