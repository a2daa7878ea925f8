/**
 * Executes one HTTP tool call: fills the URL template, headers and body from the model's
 * arguments, authenticates with the referenced credential, checks every address it connects to
 * (redirects included), enforces the tool's timeout and response size cap, and turns the answer
 * into text the model can use. Failures become short `HttpToolError` messages the model can talk
 * about ("the booking service timed out") rather than exceptions that end the turn.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { HttpToolInput, ResolvedCredential } from '@speaknode/contracts';
import { AddressRefusedError, type HostAllowList, type Resolver, resolveAllowedAddress } from './address-policy.ts';

export type RuntimeHttpTool = HttpToolInput & { id: string };

export interface HttpToolContext {
  credentials: Readonly<Record<string, ResolvedCredential>>;
  allowList: HostAllowList;
  resolver?: Resolver;
  maxRedirects?: number;
}

export interface HttpToolResult {
  /** What the model receives. */
  output: string;
  status: number;
  durationMs: number;
}

/** A failure the model is told about, in a sentence it can repeat to the caller. */
export class HttpToolError extends Error {
  constructor(
    message: string,
    readonly kind:
      | 'bad_arguments'
      | 'credential'
      | 'refused'
      | 'timeout'
      | 'too_large'
      | 'http_status'
      | 'bad_response'
      | 'network',
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HttpToolError';
  }
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface FilledRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** Fills the templates; arguments not used in the URL go to the query (GET, DELETE) or a JSON body. */
export function fillRequest(
  tool: RuntimeHttpTool,
  args: Record<string, unknown>,
  credentials: Readonly<Record<string, ResolvedCredential>>,
): FilledRequest {
  const used = new Set<string>();
  // The model may fill the path and query, never the scheme, host or port: the tool's credential
  // must only ever go to the host the admin configured.
  const authority = /^https?:\/\/[^/?#]*/i.exec(tool.urlTemplate)?.[0] ?? '';
  if (/[{}]/.test(authority)) {
    throw new HttpToolError(
      `the tool ${tool.name} has a placeholder in its host; only the path and query may be filled in`,
      'bad_arguments',
    );
  }
  const urlText = tool.urlTemplate.replace(PLACEHOLDER, (_, name: string) => {
    const value = args[name];
    if (value === undefined || value === null) {
      throw new HttpToolError(`the argument "${name}" is required to call ${tool.name}`, 'bad_arguments');
    }
    used.add(name);
    return encodeURIComponent(asText(value));
  });
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new HttpToolError(`the tool ${tool.name} has an invalid URL after filling its template`, 'bad_arguments');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpToolError(`the tool ${tool.name} may only call http or https URLs`, 'bad_arguments');
  }

  const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9, */*;q=0.1' };
  for (const [name, template] of Object.entries(tool.headers)) {
    headers[name.toLowerCase()] = template
      .replace(PLACEHOLDER, (_, arg: string) => {
        used.add(arg);
        return asText(args[arg] ?? '');
      })
      .replace(/[\r\n]/g, ' ');
  }

  if (tool.auth.type !== 'none') {
    const credential = credentials[tool.auth.credentialId];
    if (!credential) {
      throw new HttpToolError(
        `the credential of tool ${tool.name} is missing; an admin must set it before the tool can be used`,
        'credential',
      );
    }
    if (tool.auth.type === 'bearer') headers.authorization = `Bearer ${credential.secret}`;
    else if (tool.auth.type === 'basic') {
      const username = credential.settings.username;
      const pair = username !== undefined ? `${username}:${credential.secret}` : credential.secret;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else headers[tool.auth.header.toLowerCase()] = credential.secret;
  }

  const rest = Object.fromEntries(Object.entries(args).filter(([k]) => !used.has(k)));
  let body: string | undefined;
  if (tool.method === 'GET' || tool.method === 'DELETE') {
    for (const [k, v] of Object.entries(rest)) {
      if (v !== undefined && v !== null) url.searchParams.set(k, asText(v));
    }
  } else {
    body = JSON.stringify(rest);
    headers['content-type'] = 'application/json';
  }
  return { url, method: tool.method, headers, body };
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

interface RawResponse {
  status: number;
  statusText: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

async function sendOnce(
  req: FilledRequest,
  ctx: HttpToolContext,
  maxBytes: number,
  signal: AbortSignal,
  toolName: string,
): Promise<RawResponse> {
  const { address, family } = await resolveAllowedAddress(req.url.hostname, ctx.allowList, ctx.resolver);
  const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return await new Promise<RawResponse>((resolve, reject) => {
    const outgoing = send(
      req.url,
      {
        method: req.method,
        headers:
          req.body !== undefined ? { ...req.headers, 'content-length': Buffer.byteLength(req.body) } : req.headers,
        lookup: pinnedLookup(address, family),
        signal,
      },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          res.destroy();
          reject(tooLarge(toolName, maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.destroy();
            reject(tooLarge(toolName, maxBytes));
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

function tooLarge(toolName: string, maxBytes: number) {
  return new HttpToolError(`the answer of ${toolName} was larger than its ${maxBytes}-byte limit`, 'too_large');
}

function snippet(body: Buffer): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Turns a successful answer into what the model reads. */
function outputOf(toolName: string, res: RawResponse): string {
  if (res.body.length === 0) return `ok (HTTP ${res.status}, no content)`;
  const type = String(res.headers['content-type'] ?? '').toLowerCase();
  const text = res.body.toString('utf8');
  if (type.includes('json') || type === '') {
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      if (type.includes('json')) {
        throw new HttpToolError(`${toolName} answered with malformed JSON`, 'bad_response', res.status);
      }
    }
  }
  if (type.startsWith('text/') || type.includes('xml') || type === '') return text;
  throw new HttpToolError(
    `${toolName} answered with ${type.split(';')[0]} content, which the agent cannot read`,
    'bad_response',
    res.status,
  );
}

export async function callHttpTool(
  tool: RuntimeHttpTool,
  args: Record<string, unknown>,
  ctx: HttpToolContext,
  abortSignal?: AbortSignal,
): Promise<HttpToolResult> {
  const started = performance.now();
  let req = fillRequest(tool, args, ctx.credentials);
  const timeout = AbortSignal.timeout(tool.timeoutMs);
  const signal = abortSignal ? AbortSignal.any([timeout, abortSignal]) : timeout;
  const maxRedirects = ctx.maxRedirects ?? 5;
  try {
    for (let hop = 0; ; hop++) {
      const res = await sendOnce(req, ctx, tool.maxResponseBytes, signal, tool.name);
      const location = res.headers.location;
      if (res.status >= 300 && res.status < 400 && location) {
        if (hop >= maxRedirects) {
          throw new HttpToolError(
            `${tool.name} redirected more than ${maxRedirects} times`,
            'bad_response',
            res.status,
          );
        }
        const next = new URL(location, req.url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new HttpToolError(`${tool.name} redirected to a non-HTTP URL`, 'bad_response', res.status);
        }
        const headers = { ...req.headers };
        // Credentials stay with the origin they were configured for.
        if (next.origin !== req.url.origin) {
          delete headers.authorization;
          if (tool.auth.type === 'header') delete headers[tool.auth.header.toLowerCase()];
        }
        const keepMethod = res.status === 307 || res.status === 308;
        if (!keepMethod) delete headers['content-type'];
        req = {
          url: next,
          method: keepMethod ? req.method : 'GET',
          headers,
          body: keepMethod ? req.body : undefined,
        };
        continue;
      }
      if (res.status >= 400) {
        const detail = snippet(res.body);
        throw new HttpToolError(
          `${tool.name} failed: the service answered ${res.status} ${res.statusText}${detail ? `: ${detail}` : ''}`,
          'http_status',
          res.status,
        );
      }
      return { output: outputOf(tool.name, res), status: res.status, durationMs: performance.now() - started };
    }
  } catch (error) {
    if (error instanceof HttpToolError) throw error;
    if (error instanceof AddressRefusedError) throw new HttpToolError(error.message, 'refused');
    if (timeout.aborted) {
      throw new HttpToolError(`${tool.name} did not answer within ${tool.timeoutMs} ms`, 'timeout');
    }
    if (abortSignal?.aborted) throw new HttpToolError(`${tool.name} was cancelled`, 'network');
    const message = error instanceof Error ? error.message : String(error);
    throw new HttpToolError(`${tool.name} could not be reached: ${message}`, 'network');
  }
}
