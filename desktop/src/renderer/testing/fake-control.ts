/**
 * A stand-in for control's API at the fetch boundary, for component tests: routes by method and
 * path (`GET /api/v1/spaces/:spaceId/api-keys`), records every request with its body, and signs
 * the console in to a space with a role.
 */
import { createControlClient } from '../lib/api/control-client.ts';
import { consoleState, type Role } from '../lib/console-state.svelte.ts';

export const SPACE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | null;
  body: unknown;
}

type Handler = (seen: Seen, params: Record<string, string>) => { status?: number; body?: unknown } | undefined;

export function problem(status: number, title: string, errors?: Array<{ path: string; message: string }>) {
  return { status, body: { type: 'about:blank', title, status, ...(errors ? { errors } : {}) } };
}

export function fakeControl(role: Role, routes: Record<string, Handler>): Seen[] {
  const seen: Seen[] = [];
  const compiled = Object.entries(routes).map(([key, handler]) => {
    const [method, pattern] = key.split(' ') as [string, string];
    const names: string[] = [];
    const regex = new RegExp(
      `^${pattern.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    return { method, regex, names, handler };
  });
  globalThis.fetch = (async (input: Request) => {
    const url = new URL(input.url);
    const text = await input.text();
    const request: Seen = {
      method: input.method,
      path: url.pathname,
      query: url.searchParams,
      contentType: input.headers.get('content-type'),
      // JSON bodies parsed; others (a text/csv upload) kept as text.
      body: text ? (/json/.test(input.headers.get('content-type') ?? '') ? JSON.parse(text) : text) : undefined,
    };
    seen.push(request);
    for (const route of compiled) {
      const match = route.method === input.method ? url.pathname.match(route.regex) : null;
      if (!match) continue;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]));
      const answer = route.handler(request, params) ?? {};
      const status = answer.status ?? 200;
      return status === 204
        ? new Response(null, { status })
        : new Response(JSON.stringify(answer.body ?? {}), {
            status,
            headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
          });
    }
    return new Response(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }), {
      status: 404,
      headers: { 'content-type': 'application/problem+json' },
    });
  }) as typeof fetch;
  consoleState.client = createControlClient('http://control.test', {
    accessToken: async () => 'token',
    refresh: async () => undefined,
  });
  consoleState.spaceId = SPACE;
  consoleState.role = role;
  return seen;
}

export const page = <T>(items: T[], nextCursor: string | null = null) => ({ body: { items, nextCursor } });
export const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
