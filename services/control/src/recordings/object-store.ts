import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { AwsClient } from 'aws4fetch';

export const RECORDING_LINK_TTL_SECONDS = 300;

/** Where recordings live: MinIO/S3 in the stack, a local directory in embedded mode. */
export interface ObjectStore {
  readonly kind: 's3' | 'local';
  put(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** A link that lets whoever holds it download the object until it expires. */
  signedUrl(key: string, ttlSeconds?: number): Promise<string>;
}

/** Object keys are relative paths of plain segments: no `..`, no leading slash, no odd characters. */
export function assertObjectKey(key: string): string {
  if (
    key.length === 0 ||
    key.length > 512 ||
    !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(key) ||
    key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    throw new Error(`not a valid object key: ${JSON.stringify(key)}`);
  }
  return key;
}

export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  private readonly client: AwsClient;

  constructor(
    private readonly options: {
      endpoint: string;
      bucket: string;
      accessKey: string;
      secretKey: string;
      region?: string;
      fetch?: typeof fetch;
    },
  ) {
    this.client = new AwsClient({
      accessKeyId: options.accessKey,
      secretAccessKey: options.secretKey,
      service: 's3',
      region: options.region ?? 'us-east-1',
    });
  }

  /** Path-style (`endpoint/bucket/key`), as MinIO serves it. */
  private urlOf(key: string): URL {
    const base = this.options.endpoint.replace(/\/$/, '');
    const path = assertObjectKey(key).split('/').map(encodeURIComponent).join('/');
    return new URL(`${base}/${encodeURIComponent(this.options.bucket)}/${path}`);
  }

  private async send(request: Request): Promise<Response> {
    return (this.options.fetch ?? fetch)(request, { signal: AbortSignal.timeout(15_000) });
  }

  async put(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    const request = await this.client.sign(this.urlOf(key).toString(), {
      method: 'PUT',
      body,
      headers: { 'content-type': contentType },
    });
    const response = await this.send(request);
    if (!response.ok)
      throw new Error(`S3 PUT ${key} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  }

  async exists(key: string): Promise<boolean> {
    const response = await this.send(await this.client.sign(this.urlOf(key).toString(), { method: 'HEAD' }));
    if (response.status === 404) return false;
    if (!response.ok) throw new Error(`S3 HEAD ${key} answered ${response.status}`);
    return true;
  }

  async signedUrl(key: string, ttlSeconds = RECORDING_LINK_TTL_SECONDS): Promise<string> {
    const url = this.urlOf(key);
    url.searchParams.set('X-Amz-Expires', String(ttlSeconds));
    const signed = await this.client.sign(url.toString(), { method: 'GET', aws: { signQuery: true } });
    return signed.url;
  }
}

/**
 * Recordings in a local directory (embedded mode). Links point at control itself
 * (`/api/v1/recordings/files/<key>?expires=…&signature=…`), signed with HMAC-SHA256 so only control
 * can mint them; the signing key is random per process unless given.
 */
export class LocalDirectoryObjectStore implements ObjectStore {
  readonly kind = 'local' as const;
  private readonly signingKey: Buffer;
  readonly directory: string;

  constructor(
    private readonly options: { directory: string; publicBaseUrl: string; signingKey?: Buffer; now?: () => number },
  ) {
    this.directory = resolve(options.directory);
    this.signingKey = options.signingKey ?? randomBytes(32);
  }

  pathOf(key: string): string {
    const path = resolve(join(this.directory, assertObjectKey(key)));
    if (!path.startsWith(this.directory + sep)) throw new Error(`not a valid object key: ${JSON.stringify(key)}`);
    return path;
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  private signature(key: string, expires: number): string {
    return createHmac('sha256', this.signingKey).update(`${key}\n${expires}`).digest('base64url');
  }

  async signedUrl(key: string, ttlSeconds = RECORDING_LINK_TTL_SECONDS): Promise<string> {
    const expires = Math.floor((this.options.now ?? Date.now)() / 1000) + ttlSeconds;
    const query = new URLSearchParams({ expires: String(expires), signature: this.signature(key, expires) });
    const path = `/api/v1/recordings/files/${assertObjectKey(key)}?${query}`;
    // Without a public base URL the link is relative: the console fetches it from control's own origin.
    return this.options.publicBaseUrl ? new URL(path, this.options.publicBaseUrl).toString() : path;
  }

  /** The file to serve for a link, or why not. */
  verifyLink(
    key: string,
    expires: string,
    signature: string,
  ): { ok: true; path: string } | { ok: false; reason: string } {
    let path: string;
    try {
      path = this.pathOf(key);
    } catch {
      return { ok: false, reason: 'not a valid recording key' };
    }
    const expiresAt = Number(expires);
    if (!Number.isInteger(expiresAt)) return { ok: false, reason: 'the link has no valid expiry' };
    const expected = Buffer.from(this.signature(key, expiresAt));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: 'the link signature is not valid' };
    }
    if (expiresAt * 1000 < (this.options.now ?? Date.now)()) return { ok: false, reason: 'the link has expired' };
    return { ok: true, path };
  }
}
