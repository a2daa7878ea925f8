/**
 * Executes one HTTP tool call: fills the URL template, headers and body from the model's
 * arguments, authenticates with the referenced credential, checks every address it connects to
 * (redirects included), enforces the tool's timeout and response size cap, and turns the answer
 * into text the model can use. Failures become short `HttpToolError` messages the model can talk
 * about ("the booking service timed out") rather than exceptions that end the turn.
 */
import type { HttpToolInput, ResolvedCredential } from '@speaknode/contracts';
import { AddressRefusedError, type HostAllowList, type Resolver } from '@speaknode/runtime/address-policy';
import {
  type GuardedResponse,
  guardedRequest,
  RedirectRefusedError,
  ResponseTooLargeError,
} from '@speaknode/runtime/guarded-request';

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

function tooLarge(toolName: string, maxBytes: number) {
  return new HttpToolError(`the answer of ${toolName} was larger than its ${maxBytes}-byte limit`, 'too_large');
}

function snippet(body: Buffer): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Turns a successful answer into what the model reads. */
function outputOf(toolName: string, res: GuardedResponse): string {
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
  const timeout = AbortSignal.timeout(tool.timeoutMs);
  const signal = abortSignal ? AbortSignal.any([timeout, abortSignal]) : timeout;
  const req = fillRequest(tool, args, ctx.credentials);
  try {
    const res = await guardedRequest(req, {
      allowList: ctx.allowList,
      resolver: ctx.resolver,
      maxResponseBytes: tool.maxResponseBytes,
      signal,
      maxRedirects: ctx.maxRedirects ?? 5,
      // Credentials stay with the origin they were configured for.
      originBoundHeaders: ['authorization', ...(tool.auth.type === 'header' ? [tool.auth.header.toLowerCase()] : [])],
    });
    if (res.status >= 400) {
      const detail = snippet(res.body);
      throw new HttpToolError(
        `${tool.name} failed: the service answered ${res.status} ${res.statusText}${detail ? `: ${detail}` : ''}`,
        'http_status',
        res.status,
      );
    }
    return { output: outputOf(tool.name, res), status: res.status, durationMs: performance.now() - started };
  } catch (error) {
    if (error instanceof HttpToolError) throw error;
    if (error instanceof ResponseTooLargeError) throw tooLarge(tool.name, tool.maxResponseBytes);
    if (error instanceof RedirectRefusedError) {
      throw new HttpToolError(`${tool.name} ${error.message}`, 'bad_response', error.status);
    }
    if (error instanceof AddressRefusedError) throw new HttpToolError(error.message, 'refused');
    if (timeout.aborted) {
      throw new HttpToolError(`${tool.name} did not answer within ${tool.timeoutMs} ms`, 'timeout');
    }
    if (abortSignal?.aborted) throw new HttpToolError(`${tool.name} was cancelled`, 'network');
    const message = error instanceof Error ? error.message : String(error);
    throw new HttpToolError(`${tool.name} could not be reached: ${message}`, 'network');
  }
}
