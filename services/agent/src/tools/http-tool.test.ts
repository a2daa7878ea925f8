import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { embeddedIpv4, HostAllowList, refusedClassOf } from '@speaknode/runtime/address-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callHttpTool, HttpToolError, type RuntimeHttpTool } from './http-tool.ts';

let server: Server;
let port: number;
const received: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/echo-auth') {
        // A server that quotes the credential back, as some do in their 401s.
        res.statusCode = 401;
        res.end(`invalid credentials: ${req.headers.authorization ?? req.headers['x-api-key'] ?? ''}`);
        return;
      }
      if (path === '/echo-all') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ authorization: req.headers.authorization, key: req.headers['x-api-key'], ok: true }));
        return;
      }
      if (path === '/search' || path.startsWith('/api/')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ path, query: [...new URL(req.url ?? '/', 'http://x').searchParams] }));
        return;
      }
      if (path.startsWith('/customers/')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: decodeURIComponent(path.split('/')[2] ?? ''), tier: 'gold' }));
      } else if (path === '/slow') {
        setTimeout(() => res.end('{}'), 2_000).unref();
      } else if (path === '/big') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ blob: 'x'.repeat(10_000) }));
      } else if (path === '/big-chunked') {
        res.setHeader('content-type', 'text/plain');
        for (let i = 0; i < 20; i++) res.write('y'.repeat(1000));
        res.end();
      } else if (path === '/text') {
        res.setHeader('content-type', 'text/plain');
        res.end('opening hours: 9 to 5');
      } else if (path === '/binary') {
        res.setHeader('content-type', 'application/octet-stream');
        res.end(Buffer.from([0, 1, 2, 3]));
      } else if (path === '/bad-json') {
        res.setHeader('content-type', 'application/json');
        res.end('{"unterminated": ');
      } else if (path === '/fail') {
        res.statusCode = 500;
        res.end('database is down');
      } else if (path === '/redirect-other-loopback') {
        res.statusCode = 302;
        res.setHeader('location', `http://127.0.0.2:${port}/text`);
        res.end();
      } else if (path === '/redirect-same') {
        res.statusCode = 302;
        res.setHeader('location', '/text');
        res.end();
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function tool(overrides: Partial<RuntimeHttpTool> = {}): RuntimeHttpTool {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'lookup_customer',
    description: 'Looks up a customer',
    parameters: { type: 'object', properties: { customerId: { type: 'string' } } },
    method: 'GET',
    urlTemplate: `http://127.0.0.1:${port}/customers/{customerId}`,
    headers: {},
    auth: { type: 'none' },
    timeoutMs: 1_000,
    maxResponseBytes: 4_096,
    ...overrides,
  };
}

const allowLocal = { credentials: {}, allowList: new HostAllowList(['127.0.0.1']) };

async function failure(promise: Promise<unknown>): Promise<HttpToolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpToolError);
  return error as HttpToolError;
}

describe('callHttpTool against a local server (host allow-listed)', () => {
  it('fills the URL template, sends the credential, and returns JSON to the model', async () => {
    const credentials = {
      c1: { id: 'c1', kind: 'http-tool', secret: 'tok-123', settings: {} },
    };
    const result = await callHttpTool(
      tool({
        auth: { type: 'bearer', credentialId: 'c1' },
        headers: { 'X-Caller': 'agent {customerId}' },
        parameters: { type: 'object', properties: { customerId: { type: 'string' }, verbose: { type: 'boolean' } } },
      }),
      { customerId: 'a/b c', verbose: true },
      { ...allowLocal, credentials },
    );
    // The parsed answer: the framework encodes it once for the model and the transcript.
    expect(result.output).toEqual({ id: 'a/b c', tier: 'gold' });
    expect(result.status).toBe(200);
    const last = received.at(-1);
    expect(last?.url).toBe('/customers/a%2Fb%20c?verbose=true');
    expect(last?.headers.authorization).toBe('Bearer tok-123');
    expect(last?.headers['x-caller']).toBe('agent a/b c');
  });

  it('sends unused arguments as a JSON body for POST, with header auth', async () => {
    const credentials = { k: { id: 'k', kind: 'http-tool', secret: 's3cret', settings: {} } };
    await callHttpTool(
      tool({
        method: 'POST',
        auth: { type: 'header', header: 'X-Api-Key', credentialId: 'k' },
        parameters: { type: 'object', properties: { customerId: { type: 'string' }, note: { type: 'string' } } },
      }),
      { customerId: '42', note: 'call back' },
      { ...allowLocal, credentials },
    );
    const last = received.at(-1);
    expect(last?.method).toBe('POST');
    expect(JSON.parse(last?.body ?? '')).toEqual({ note: 'call back' });
    expect(last?.headers['x-api-key']).toBe('s3cret');
  });

  it('uses basic auth with the username setting', async () => {
    const credentials = { b: { id: 'b', kind: 'http-tool', secret: 'pw', settings: { username: 'svc' } } };
    await callHttpTool(
      tool({ auth: { type: 'basic', credentialId: 'b' } }),
      { customerId: '1' },
      {
        ...allowLocal,
        credentials,
      },
    );
    expect(received.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('svc:pw').toString('base64')}`);
  });

  it('reports a missing credential and a missing URL argument', async () => {
    const missing = await failure(
      callHttpTool(tool({ auth: { type: 'bearer', credentialId: 'nope' } }), { customerId: '1' }, allowLocal),
    );
    expect(missing.kind).toBe('credential');
    const noArg = await failure(callHttpTool(tool(), {}, allowLocal));
    expect(noArg.kind).toBe('bad_arguments');
    expect(noArg.message).toContain('customerId');
  });

  it('never lets the model choose the host', async () => {
    const error = await failure(
      callHttpTool(
        tool({ urlTemplate: 'http://{host}/customers/{customerId}' }),
        { host: 'evil.example', customerId: '1' },
        allowLocal,
      ),
    );
    expect(error.kind).toBe('bad_arguments');
    expect(error.message).toContain('placeholder in its host');
    // A path argument cannot smuggle another authority in either.
    await callHttpTool(tool(), { customerId: '@evil.example/x' }, allowLocal);
    expect(received.at(-1)?.url).toBe('/customers/%40evil.example%2Fx');
  });

  it('times out', async () => {
    const error = await failure(
      callHttpTool(tool({ urlTemplate: `http://127.0.0.1:${port}/slow`, timeoutMs: 200 }), {}, allowLocal),
    );
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('200 ms');
  });

  it('refuses oversized answers, declared or streamed', async () => {
    const declared = await failure(callHttpTool(tool({ urlTemplate: `http://127.0.0.1:${port}/big` }), {}, allowLocal));
    expect(declared.kind).toBe('too_large');
    const chunked = await failure(
      callHttpTool(tool({ urlTemplate: `http://127.0.0.1:${port}/big-chunked` }), {}, allowLocal),
    );
    expect(chunked.kind).toBe('too_large');
    expect(chunked.message).toContain('4096-byte');
  });

  it('returns text as is, and refuses binary and malformed JSON', async () => {
    const text = await callHttpTool(tool({ urlTemplate: `http://127.0.0.1:${port}/text` }), {}, allowLocal);
    expect(text.output).toBe('opening hours: 9 to 5');
    const binary = await failure(
      callHttpTool(tool({ urlTemplate: `http://127.0.0.1:${port}/binary` }), {}, allowLocal),
    );
    expect(binary.kind).toBe('bad_response');
    expect(binary.message).toContain('application/octet-stream');
    const badJson = await failure(
      callHttpTool(tool({ urlTemplate: `http://127.0.0.1:${port}/bad-json` }), {}, allowLocal),
    );
    expect(badJson.kind).toBe('bad_response');
    expect(badJson.message).toContain('malformed JSON');
  });

  it('turns a 500 into a short error with the status', async () => {
    const error = await failure(callHttpTool(tool({ urlTemplate: `http://127.0.0.1:${port}/fail` }), {}, allowLocal));
    expect(error.kind).toBe('http_status');
    expect(error.status).toBe(500);
    expect(error.message).toContain('500');
    expect(error.message).toContain('database is down');
  });

  it('follows a redirect on the allow-listed host', async () => {
    const result = await callHttpTool(tool({ urlTemplate: `http://127.0.0.1:${port}/redirect-same` }), {}, allowLocal);
    expect(result.output).toBe('opening hours: 9 to 5');
  });

  it('re-checks redirects: a hop to a host that is not allow-listed is refused', async () => {
    const error = await failure(
      callHttpTool(tool({ urlTemplate: `http://127.0.0.1:${port}/redirect-other-loopback` }), {}, allowLocal),
    );
    expect(error.kind).toBe('refused');
    expect(error.message).toContain('127.0.0.2: it resolves to 127.0.0.2, a loopback address');
  });
});

describe('address policy without an allow-list entry', () => {
  const none = { credentials: {}, allowList: new HostAllowList([]) };

  it('refuses the local test server on 127.0.0.1 and reaches it once allow-listed', async () => {
    const before = received.length;
    const error = await failure(callHttpTool(tool(), { customerId: '1' }, none));
    expect(error.kind).toBe('refused');
    expect(error.message).toContain('loopback');
    expect(received.length).toBe(before); // nothing was sent
    await expect(callHttpTool(tool(), { customerId: '1' }, allowLocal)).resolves.toMatchObject({ status: 200 });
  });

  it('refuses a host name after resolving it (localhost → loopback)', async () => {
    const error = await failure(callHttpTool(tool({ urlTemplate: `http://localhost:${port}/text` }), {}, none));
    expect(error.message).toContain('loopback');
  });

  it('refuses a name whose DNS answer is private, using the resolver it is given', async () => {
    const resolver = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    const error = await failure(
      callHttpTool(tool({ urlTemplate: 'http://rebind.example/x' }), {}, { ...none, resolver }),
    );
    expect(error.message).toContain('10.1.2.3, a private address');
  });

  const cases: Array<[string, string]> = [
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.9.9.9/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://10.0.0.8/', 'private'],
    ['http://172.20.1.1/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://[fd12:3456::1]/', 'private'],
    ['http://169.254.10.10/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://100.64.0.1/', 'cgnat'],
    ['http://100.127.255.254/', 'cgnat'],
    ['http://169.254.169.254/latest/meta-data/', 'cloud-metadata'],
    ['http://100.100.100.200/', 'cloud-metadata'],
    ['http://[fd00:ec2::254]/', 'cloud-metadata'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[::ffff:169.254.169.254]/', 'cloud-metadata'],
    ['http://[::ffff:10.0.0.1]/', 'private'],
    ['http://[64:ff9b::a00:1]/', 'private'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://2130706433/', 'loopback'],
  ];
  it.each(cases)('refuses %s as %s', async (url, addressClass) => {
    const error = await failure(callHttpTool(tool({ urlTemplate: url }), {}, none));
    expect(error.kind).toBe('refused');
    expect(error.message).toContain(`a ${addressClass} address`);
  });

  it('classifies public addresses as allowed', () => {
    expect(refusedClassOf('93.184.215.14')).toBeUndefined();
    expect(refusedClassOf('2606:4700::1111')).toBeUndefined();
    expect(refusedClassOf('::ffff:8.8.8.8')).toBeUndefined();
    expect(embeddedIpv4('::ffff:7f00:1')).toBe('127.0.0.1');
  });

  it('matches allow-list entries by name, wildcard and CIDR', () => {
    const list = new HostAllowList(['crm.internal', '*.corp.example', '10.20.0.0/16']);
    expect(list.allowsHost('CRM.internal')).toBe(true);
    expect(list.allowsHost('api.corp.example')).toBe(true);
    expect(list.allowsHost('corp.example.evil.com')).toBe(false);
    expect(list.allowsHost('10.20.3.4')).toBe(true);
    expect(list.allowsAddress('10.20.3.4')).toBe(true);
    expect(list.allowsAddress('10.21.0.1')).toBe(false);
  });
});
