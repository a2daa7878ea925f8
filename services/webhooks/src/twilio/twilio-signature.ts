import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';

/** POST parameters as Twilio sent them; a repeated name carries every value. */
export type TwilioParams = Record<string, string | string[]>;

/**
 * Twilio's request signature: HMAC-SHA1 with the account's auth token over the full URL Twilio
 * called followed by every POST parameter name and value, names sorted, base64.
 */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name] as string | string[];
    if (Array.isArray(value)) {
      for (const v of [...new Set(value)].sort()) data += name + v;
    } else {
      data += name + value;
    }
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * The URL variants Twilio may have signed, the ones the official `twilio` package's `validateRequest`
 * tries: the URL as received, with the scheme's default port added or removed, and the same after
 * WHATWG normalisation (`new URL().toString()`), also with the query re-encoded the way Node's legacy
 * `querystring` does (some back ends signed `%27` for `'`). All of them are the same URL.
 */
export function signedUrlCandidates(url: string): string[] {
  const candidates = new Set([removePort(url), addPort(url)]);
  let normalised: string | undefined;
  try {
    normalised = new URL(url).toString();
  } catch {
    return [...candidates];
  }
  for (const variant of [removePort(normalised), addPort(normalised)]) {
    candidates.add(variant);
    candidates.add(withLegacyQuerystring(variant));
  }
  return [...candidates];
}

interface UrlParts {
  scheme: string;
  userInfo: string;
  host: string;
  port: string;
  rest: string;
}

/** Splits without normalising, so the path and query keep the characters Twilio signed. */
function splitUrl(url: string): UrlParts | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const [prefix = '', scheme = '', authority = ''] = match;
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon starts the port only after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function addPort(url: string): string {
  const parts = splitUrl(url);
  if (!parts || parts.port) return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

function removePort(url: string): string {
  const parts = splitUrl(url);
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url;
}

function withLegacyQuerystring(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || queryStart === url.length - 1) return url;
  return `${url.slice(0, queryStart)}?${stringifyQuery(parseQuery(url.slice(queryStart + 1)))}`;
}

export interface TwilioRequestToVerify {
  /** `X-Twilio-Signature` */
  signature: string | undefined;
  /** PUBLIC_BASE_URL + the path and query Twilio called. */
  url: string;
  contentType: string | undefined;
  rawBody: Buffer;
  /** The parsed form parameters (ignored for the JSON-body variant). */
  params: TwilioParams;
}

/** `application/json` and `application/*+json`. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType ?? '');
}

/**
 * True when `signature` matches under any of `authTokens`, by Twilio's rule (the official package's
 * `validateRequest` / `validateRequestWithBody`, as its webhook middleware picks them):
 * - a form post: HMAC-SHA1 over the full URL (query included) followed by the sorted parameters;
 * - a JSON body, or any request whose URL mentions `bodySHA256`: the URL alone is signed, and its
 *   `bodySHA256` query parameter must equal the hex SHA-256 of the body received. A JSON body
 *   without one is refused: a signature over the URL alone covers no body at all.
 */
export function verifyTwilioRequest(request: TwilioRequestToVerify, authTokens: readonly string[]): boolean {
  const { signature } = request;
  if (!signature || authTokens.length === 0) return false;
  const given = Buffer.from(signature);
  let params = request.params;
  if (isJsonContentType(request.contentType) || request.url.includes('bodySHA256')) {
    const claimed = bodySha256Parameter(request.url);
    if (!claimed) return false;
    const actual = createHash('sha256').update(request.rawBody).digest('hex');
    if (!constantTimeEqual(Buffer.from(claimed), Buffer.from(actual))) return false;
    params = {};
  }
  for (const url of signedUrlCandidates(request.url)) {
    for (const token of authTokens) {
      if (constantTimeEqual(given, Buffer.from(twilioSignature(token, url, params)))) return true;
    }
  }
  return false;
}

function bodySha256Parameter(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('bodySHA256') ?? undefined;
  } catch {
    return undefined;
  }
}

function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses an `application/x-www-form-urlencoded` body the way Twilio encodes it. */
export function parseTwilioForm(rawBody: Buffer): TwilioParams {
  const params: TwilioParams = {};
  for (const [name, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    const existing = params[name];
    if (existing === undefined) params[name] = value;
    else params[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

/** One string per parameter (the last value of a repeated one), for events. */
export function flattenParams(params: TwilioParams): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    flat[name] = Array.isArray(value) ? (value[value.length - 1] ?? '') : value;
  }
  return flat;
}
