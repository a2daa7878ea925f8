/**
 * One outbound HTTP request to a URL a user configured (HTTP tools, outbound webhooks): the host
 * is resolved and checked by the address policy, the connection is pinned to the checked address
 * (no second lookup, so no DNS rebinding), the answer is capped in size, and redirects are
 * followed only when asked, each hop checked again. Both callers go through here so one policy
 * holds for every request the platform makes on a user's behalf.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { type HostAllowList, type Resolver, resolveAllowedAddress } from './address-policy.ts';

export interface GuardedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface GuardedRequestOptions {
  allowList: HostAllowList;
  resolver?: Resolver;
  /** Answers larger than this (declared or read) fail with `ResponseTooLargeError`. */
  maxResponseBytes: number;
  signal: AbortSignal;
  /** 0 (the default) follows none: a 3xx is returned to the caller as it is. */
  maxRedirects?: number;
  /** Header names (lower case) that must not follow a redirect to another origin. */
  originBoundHeaders?: readonly string[];
}

export interface GuardedResponse {
  status: number;
  statusText: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: URL;
}

export class ResponseTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the answer was larger than its ${maxBytes}-byte limit`);
    this.name = 'ResponseTooLargeError';
  }
}

export class RedirectRefusedError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RedirectRefusedError';
  }
}

function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address, family },
      ]);
    } else callback(null, address, family);
  };
}

async function sendOnce(req: GuardedRequest, options: GuardedRequestOptions): Promise<GuardedResponse> {
  const { address, family } = await resolveAllowedAddress(req.url.hostname, options.allowList, options.resolver);
  const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const maxBytes = options.maxResponseBytes;
  return await new Promise<GuardedResponse>((resolve, reject) => {
    const outgoing = send(
      req.url,
      {
        method: req.method,
        headers:
          req.body !== undefined ? { ...req.headers, 'content-length': Buffer.byteLength(req.body) } : req.headers,
        lookup: pinnedLookup(address, family),
        signal: options.signal,
      },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          res.destroy();
          reject(new ResponseTooLargeError(maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.destroy();
            reject(new ResponseTooLargeError(maxBytes));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks),
            url: req.url,
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    if (req.body !== undefined) outgoing.write(req.body);
    outgoing.end();
  });
}

/**
 * Sends `request`, following up to `maxRedirects` redirects (each target checked again; headers
 * in `originBoundHeaders` dropped when the origin changes; 301/302/303 become a GET without body).
 * Throws `AddressRefusedError`, `ResponseTooLargeError`, `RedirectRefusedError` or the network error.
 */
export async function guardedRequest(
  request: GuardedRequest,
  options: GuardedRequestOptions,
): Promise<GuardedResponse> {
  const maxRedirects = options.maxRedirects ?? 0;
  let req = request;
  for (let hop = 0; ; hop++) {
    const res = await sendOnce(req, options);
    const location = res.headers.location;
    if (maxRedirects === 0 || res.status < 300 || res.status >= 400 || !location) return res;
    if (hop >= maxRedirects) throw new RedirectRefusedError(`redirected more than ${maxRedirects} times`, res.status);
    const next = new URL(location, req.url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new RedirectRefusedError('redirected to a non-HTTP URL', res.status);
    }
    const headers = { ...req.headers };
    if (next.origin !== req.url.origin) {
      for (const name of options.originBoundHeaders ?? []) delete headers[name];
    }
    const keepMethod = res.status === 307 || res.status === 308;
    if (!keepMethod) delete headers['content-type'];
    req = { url: next, method: keepMethod ? req.method : 'GET', headers, body: keepMethod ? req.body : undefined };
  }
}
