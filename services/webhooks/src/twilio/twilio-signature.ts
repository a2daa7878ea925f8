import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

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

/** The URL variants Twilio may have signed: as configured, and with the scheme's default port added or removed. */
export function signedUrlCandidates(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const portMatch = /^(.*?)(:\d+)?$/.exec(authority);
  const host = portMatch?.[1] ?? authority;
  const port = portMatch?.[2];
  const defaultPort = scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  const candidates = new Set([url, scheme + host + rest]);
  if (!port) candidates.add(scheme + host + defaultPort + rest);
  return [...candidates];
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

/**
 * True when `signature` matches under any of `authTokens`. For a form post the parameters are
 * signed; for a JSON body Twilio signs the URL alone and puts the body's SHA-256 (hex) in the
 * `bodySHA256` query parameter, which must match the body received.
 */
export function verifyTwilioRequest(request: TwilioRequestToVerify, authTokens: readonly string[]): boolean {
  const { signature } = request;
  if (!signature || authTokens.length === 0) return false;
  const given = Buffer.from(signature);
  const bodySha256 = bodySha256Parameter(request.url);
  let params = request.params;
  if (bodySha256 !== undefined) {
    const actual = createHash('sha256').update(request.rawBody).digest('hex');
    if (!constantTimeEqual(Buffer.from(bodySha256.toLowerCase()), Buffer.from(actual))) return false;
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
  const query = url.indexOf('?');
  if (query === -1) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('bodySHA256') ?? undefined;
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
