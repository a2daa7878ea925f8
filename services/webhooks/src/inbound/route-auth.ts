import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RouteAuth } from './route-definition.ts';

/** Why a request was refused, for the 401/403 answer (never the expected secret). */
export type RouteAuthResult = { ok: true } | { ok: false; status: 401 | 403; detail: string };

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks a request against its route's auth: HMAC over the raw body, Bearer, Basic, or none. */
export function checkRouteAuth(auth: RouteAuth, headers: IncomingHttpHeaders, rawBody: Buffer): RouteAuthResult {
  switch (auth.type) {
    case 'none':
      return { ok: true };
    case 'bearer': {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
      if (!match) return { ok: false, status: 401, detail: 'an Authorization: Bearer <token> header is required' };
      return safeEqual(match[1] as string, auth.token)
        ? { ok: true }
        : { ok: false, status: 403, detail: 'the bearer token is not the one configured for this route' };
    }
    case 'basic': {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers.authorization ?? '');
      if (!match) return { ok: false, status: 401, detail: 'an Authorization: Basic <credentials> header is required' };
      const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon === -1 ? decoded : decoded.slice(0, colon);
      const password = colon === -1 ? '' : decoded.slice(colon + 1);
      // Both compared, always, so the answer time does not tell which one was wrong.
      const userOk = safeEqual(user, auth.username);
      const passwordOk = safeEqual(password, auth.password);
      return userOk && passwordOk
        ? { ok: true }
        : { ok: false, status: 403, detail: 'the username or password is not the one configured for this route' };
    }
    case 'hmac': {
      const given = headers[auth.header];
      const value = Array.isArray(given) ? given[0] : given;
      if (!value) return { ok: false, status: 403, detail: `the ${auth.header} signature header is missing` };
      const expected = auth.prefix + createHmac(auth.algorithm, auth.secret).update(rawBody).digest(auth.encoding);
      const matches =
        auth.encoding === 'hex'
          ? safeEqual(value.trim().toLowerCase(), expected.toLowerCase())
          : safeEqual(value.trim(), expected);
      return matches
        ? { ok: true }
        : { ok: false, status: 403, detail: `the ${auth.header} signature does not match the body` };
    }
  }
}
