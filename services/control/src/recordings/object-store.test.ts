import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertObjectKey, LocalDirectoryObjectStore, S3ObjectStore } from './object-store.ts';

describe('object keys', () => {
  it('accept plain relative paths and refuse traversal and odd names', () => {
    expect(assertObjectKey('recordings/space/call.ogg')).toBe('recordings/space/call.ogg');
    for (const bad of ['', '../etc/passwd', 'a/../../b', '/abs', 'a//b', 'a/./b', 'a b', 'a\\b']) {
      expect(() => assertObjectKey(bad)).toThrow(/not a valid object key/);
    }
  });
});

describe('LocalDirectoryObjectStore', () => {
  it('stores files and mints links that verify until they expire', async () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const store = new LocalDirectoryObjectStore({
      directory: await mkdtemp(join(tmpdir(), 'recordings-')),
      publicBaseUrl: 'http://127.0.0.1:8080',
      now: () => now,
    });
    await store.put('recordings/s/c.ogg', 'OggS');
    expect(await store.exists('recordings/s/c.ogg')).toBe(true);
    expect(await store.exists('recordings/s/other.ogg')).toBe(false);
    expect(await readFile(store.pathOf('recordings/s/c.ogg'), 'utf8')).toBe('OggS');
    const link = new URL(await store.signedUrl('recordings/s/c.ogg', 60));
    expect(link.pathname).toBe('/api/v1/recordings/files/recordings/s/c.ogg');
    const expires = link.searchParams.get('expires')!;
    const signature = link.searchParams.get('signature')!;
    expect(store.verifyLink('recordings/s/c.ogg', expires, signature)).toMatchObject({ ok: true });
    expect(store.verifyLink('recordings/s/other.ogg', expires, signature)).toEqual({
      ok: false,
      reason: 'the link signature is not valid',
    });
    expect(store.verifyLink('recordings/s/c.ogg', String(Number(expires) + 60), signature)).toMatchObject({
      ok: false,
    });
    expect(store.verifyLink('../x', expires, signature)).toEqual({ ok: false, reason: 'not a valid recording key' });
    const relative = new LocalDirectoryObjectStore({ directory: store.directory, publicBaseUrl: '' });
    expect(await relative.signedUrl('recordings/s/c.ogg')).toMatch(
      /^\/api\/v1\/recordings\/files\/recordings\/s\/c\.ogg\?expires=\d+&signature=/,
    );
    now += 61_000;
    expect(store.verifyLink('recordings/s/c.ogg', expires, signature)).toEqual({
      ok: false,
      reason: 'the link has expired',
    });
  });
});

/** A local S3-style endpoint that checks SigV4 header signatures for PUT/HEAD, recomputed here independently. */
class FakeS3 {
  objects = new Map<string, Buffer>();
  requests: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  private server!: Server;
  url = '';
  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests.push({ method: req.method!, url: req.url!, headers: req.headers });
        if (!verifySigV4(req.method!, req.url!, req.headers, body))
          return res.writeHead(403).end('SignatureDoesNotMatch');
        const key = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
        if (req.method === 'PUT') {
          this.objects.set(key, body);
          return res.writeHead(200).end();
        }
        res.writeHead(this.objects.has(key) ? 200 : 404).end();
      });
    });
    this.server.listen(0, '127.0.0.1');
    await new Promise((r) => this.server.once('listening', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const ACCESS = 'minio-access';
const SECRET = 'minio-secret-key';

/** AWS Signature Version 4 for a header-signed request, per AWS's documented algorithm. */
function verifySigV4(method: string, rawUrl: string, headers: IncomingHttpHeaders, body: Buffer): boolean {
  const auth = String(headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!match || match[1] !== ACCESS) return false;
  const [, , date, region, signedHeaders, signature] = match as unknown as string[];
  const url = new URL(rawUrl, 'http://x');
  const payloadHash = String(headers['x-amz-content-sha256']);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== createHash('sha256').update(body).digest('hex'))
    return false;
  const canonicalHeaders = signedHeaders!
    .split(';')
    .map((h) => `${h}:${String(headers[h]).trim()}\n`)
    .join('');
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&');
  const canonical = [method, url.pathname, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const amzDate = String(headers['x-amz-date']);
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${SECRET}`).update(date!).digest();
  for (const part of [region!, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex') === signature;
}

describe('S3ObjectStore against a local S3-style endpoint', () => {
  let s3: FakeS3;
  beforeAll(async () => {
    s3 = await new FakeS3().start();
  });
  afterAll(async () => s3?.stop());

  it('puts and finds objects with SigV4-signed requests, path-style', async () => {
    const store = new S3ObjectStore({ endpoint: s3.url, bucket: 'recordings', accessKey: ACCESS, secretKey: SECRET });
    await store.put('recordings/s/c.ogg', 'OggS', 'audio/ogg');
    expect(s3.objects.get('/recordings/recordings/s/c.ogg')?.toString()).toBe('OggS');
    expect(await store.exists('recordings/s/c.ogg')).toBe(true);
    expect(await store.exists('recordings/s/missing.ogg')).toBe(false);
    const wrong = new S3ObjectStore({ endpoint: s3.url, bucket: 'recordings', accessKey: ACCESS, secretKey: 'nope' });
    await expect(wrong.put('recordings/s/x.ogg', 'x', 'audio/ogg')).rejects.toThrow(/answered 403/);
  });

  it('mints a presigned GET link that expires', async () => {
    const store = new S3ObjectStore({ endpoint: s3.url, bucket: 'recordings', accessKey: ACCESS, secretKey: SECRET });
    const link = new URL(await store.signedUrl('recordings/s/c.ogg', 120));
    expect(link.pathname).toBe('/recordings/recordings/s/c.ogg');
    expect(link.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(link.searchParams.get('X-Amz-Expires')).toBe('120');
    expect(link.searchParams.get('X-Amz-Credential')).toMatch(/^minio-access\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    expect(link.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports an unreachable store', async () => {
    const store = new S3ObjectStore({
      endpoint: 'http://127.0.0.1:9',
      bucket: 'b',
      accessKey: ACCESS,
      secretKey: SECRET,
    });
    await expect(store.exists('k')).rejects.toThrow();
  });
});

const endpoint = process.env.S3_ENDPOINT;
if (endpoint && process.env.S3_ACCESS_KEY && process.env.S3_SECRET_KEY) {
  describe(`S3ObjectStore against ${endpoint}`, () => {
    it('puts an object and downloads it through a presigned link', async () => {
      const store = new S3ObjectStore({
        endpoint,
        bucket: process.env.S3_BUCKET ?? 'recordings',
        accessKey: process.env.S3_ACCESS_KEY!,
        secretKey: process.env.S3_SECRET_KEY!,
      });
      const key = `test/${Date.now()}.txt`;
      await store.put(key, 'hello', 'text/plain');
      const response = await fetch(await store.signedUrl(key, 60));
      expect(await response.text()).toBe('hello');
    });
  });
} else {
  console.info(
    '[object-store.test] real S3/MinIO contract skipped: S3_ENDPOINT (with S3_ACCESS_KEY/S3_SECRET_KEY) is not set',
  );
  describe.skip('S3ObjectStore against a real S3/MinIO (skipped: S3_ENDPOINT is not set)', () => {
    it('runs when S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY are set', () => {});
  });
}
