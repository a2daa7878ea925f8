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

/** What a tool hands the framework, which JSON-encodes it once for the model and the transcript. */
export type ToolOutput = string | number | boolean | null | ToolOutput[] | { [key: string]: ToolOutput };

export interface HttpToolResult {
  /** What the model receives: the parsed JSON answer or the text, secrets redacted; encoded once, by the framework. */
  output: ToolOutput;
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

/** A path segment that the URL parser would resolve away (`.`, `..`, also percent-encoded). */
function isDotSegment(segment: string): boolean {
  return /^(?:\.|%2e){1,2}$/i.test(segment);
}

/** A value that is `.` or `..`, or becomes one when a server percent-decodes it (once or more). */
function isDotValue(value: string): boolean {
  let text = value;
  for (let i = 0; i < 4; i++) {
    if (isDotSegment(text)) return true;
    let decoded: string;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      return false;
    }
    if (decoded === text) return false;
    text = decoded;
  }
  return isDotSegment(text);
}

/** The argument names a tool declares: its schema's properties and the placeholders of its templates. */
function declaredArguments(tool: RuntimeHttpTool): Set<string> {
  const declared = new Set(Object.keys((tool.parameters as { properties?: object }).properties ?? {}));
  for (const template of [tool.urlTemplate, ...Object.values(tool.headers)]) {
    for (const match of template.matchAll(PLACEHOLDER)) declared.add(match[1] as string);
  }
  return declared;
}

/**
 * Fills the templates; arguments not used in the URL go to the query (GET, DELETE) or a JSON body.
 * What the admin fixed stays fixed: the scheme, host and port, the query parameters written in the
 * template (never overridden or repeated), and the path's shape (no argument may be or become `.` or
 * `..`). An argument the tool does not declare is refused, so the model cannot add parameters the
 * admin never offered.
 */
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
  const declared = declaredArguments(tool);
  const undeclared = Object.keys(args).filter((name) => !declared.has(name) && args[name] !== undefined);
  if (undeclared.length > 0) {
    throw new HttpToolError(
      `${tool.name} has no parameter ${undeclared.map((n) => `"${n.slice(0, 64)}"`).join(', ')}; use only the parameters it declares`,
      'bad_arguments',
    );
  }
  const queryStart = tool.urlTemplate.search(/[?#]/);
  const templatePath = queryStart === -1 ? tool.urlTemplate : tool.urlTemplate.slice(0, queryStart);
  const fill = (template: string, inPath: boolean) =>
    template.replace(PLACEHOLDER, (_, name: string) => {
      const value = args[name];
      if (value === undefined || value === null) {
        throw new HttpToolError(`the argument "${name}" is required to call ${tool.name}`, 'bad_arguments');
      }
      const text = asText(value);
      if (inPath && isDotValue(text)) {
        throw new HttpToolError(
          `the argument "${name}" of ${tool.name} is "${text.slice(0, 20)}", which would move the request to another path`,
          'bad_arguments',
        );
      }
      used.add(name);
      return encodeURIComponent(text);
    });
  const filledPath = fill(templatePath, true);
  const templateSegments = templatePath.slice(authority.length).split('/');
  filledPath
    .slice(authority.length)
    .split('/')
    .forEach((segment, i) => {
      if (isDotSegment(segment) && templateSegments[i] !== segment) {
        throw new HttpToolError(
          `an argument of ${tool.name} makes a path segment "${segment}", which would move the request to another path`,
          'bad_arguments',
        );
      }
    });
  const urlText = filledPath + (queryStart === -1 ? '' : fill(tool.urlTemplate.slice(queryStart), false));
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
    const fixed = new Set(new URL(tool.urlTemplate.replace(PLACEHOLDER, 'x')).searchParams.keys());
    for (const [k, v] of Object.entries(rest)) {
      if (v === undefined || v === null) continue;
      if (fixed.has(k)) {
        throw new HttpToolError(
          `the query parameter "${k}" of ${tool.name} is fixed by the tool's URL and cannot be set`,
          'bad_arguments',
        );
      }
      url.searchParams.append(k, asText(v));
    }
  } else {
    body = JSON.stringify(rest);
    headers['content-type'] = 'application/json';
  }
  return { url, method: tool.method, headers, body };
}

/**
 * The secrets a filled request carries, in the forms a server may echo them: the bearer token, the
 * basic-auth base64 and its decoded password, a header secret; each also JSON- and URL-encoded.
 */
export function secretsOf(tool: RuntimeHttpTool, credentials: Readonly<Record<string, ResolvedCredential>>): string[] {
  if (tool.auth.type === 'none') return [];
  const credential = credentials[tool.auth.credentialId];
  if (!credential?.secret) return [];
  const raw = [credential.secret];
  if (tool.auth.type === 'basic') {
    const username = credential.settings.username;
    const pair = username !== undefined ? `${username}:${credential.secret}` : credential.secret;
    raw.push(Buffer.from(pair).toString('base64'));
    // A `user:password` secret: the password alone is a secret too.
    if (username === undefined && pair.includes(':')) raw.push(pair.slice(pair.indexOf(':') + 1));
  }
  const forms = new Set<string>();
  for (const secret of raw) {
    if (!secret) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  // Longest first, so a secret containing another is replaced whole.
  return [...forms].filter(Boolean).sort((a, b) => b.length - a.length);
}

/** Replaces every secret in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

function redactValue(value: ToolOutput, secrets: readonly string[]): ToolOutput {
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k, secrets), redactValue(v, secrets)]));
  }
  return value;
}

function tooLarge(toolName: string, maxBytes: number) {
  return new HttpToolError(`the answer of ${toolName} was larger than its ${maxBytes}-byte limit`, 'too_large');
}

function snippet(body: Buffer): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Turns a successful answer into what the model reads: a JSON answer as its parsed value (the
 * framework encodes it, once, for the model and the transcript), text as text.
 */
function outputOf(toolName: string, res: GuardedResponse): ToolOutput {
  if (res.body.length === 0) return `ok (HTTP ${res.status}, no content)`;
  const type = String(res.headers['content-type'] ?? '').toLowerCase();
  const text = res.body.toString('utf8');
  if (type.includes('json') || type === '') {
    try {
      return JSON.parse(text) as ToolOutput;
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
  const secrets = secretsOf(tool, ctx.credentials);
  try {
    return await callFilled(tool, args, ctx, signal, timeout, abortSignal, started);
  } catch (error) {
    // Whatever the server echoed (a 401 quoting the Authorization header, a body repeating the token)
    // leaves here redacted: this message reaches the model, the transcript, spans and logs.
    if (error instanceof HttpToolError && secrets.length > 0) {
      throw new HttpToolError(redact(error.message, secrets), error.kind, error.status);
    }
    throw error;
  }
}

async function callFilled(
  tool: RuntimeHttpTool,
  args: Record<string, unknown>,
  ctx: HttpToolContext,
  signal: AbortSignal,
  timeout: AbortSignal,
  abortSignal: AbortSignal | undefined,
  started: number,
): Promise<HttpToolResult> {
  const req = fillRequest(tool, args, ctx.credentials);
  const secrets = secretsOf(tool, ctx.credentials);
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
    return {
      output: redactValue(outputOf(tool.name, res), secrets),
      status: res.status,
      durationMs: performance.now() - started,
    };
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
