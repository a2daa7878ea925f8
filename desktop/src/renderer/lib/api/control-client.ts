/**
 * The control API client: openapi-fetch over the types generated from control's /openapi.json
 * (control-api.gen.ts), with the signed-in user's bearer token on every request and one retry
 * after a renewal when control answers 401.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './control-api.gen.ts';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type ControlClient = ReturnType<typeof createClient<paths>>;

export interface TokenSource {
  accessToken(): Promise<string | undefined>;
  refresh(): Promise<{ accessToken: string } | undefined>;
}

/** An API answer that is not 2xx: its problem details, for the page to show (fields beside their inputs). */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
  /** The message for one field path (`llm.model`), when the API named it. */
  fieldError(path: string): string | undefined {
    return this.problem.errors?.find((e) => e.path === path)?.message;
  }
}

/** The signed-in user's bearer token on every request, and one retry after a renewal on 401 (shared by the console's clients). */
export function bearerAuth(tokens: TokenSource): Middleware {
  return {
    async onRequest({ request }) {
      const token = await tokens.accessToken();
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
    async onResponse({ request, response, options }) {
      // Only bodiless requests are replayed (a sent body cannot be read again).
      if (response.status !== 401 || request.headers.get('x-retried') || request.body) return response;
      const renewed = await tokens.refresh();
      if (!renewed) return response;
      const retry = new Request(request, { headers: new Headers(request.headers) });
      retry.headers.set('authorization', `Bearer ${renewed.accessToken}`);
      retry.headers.set('x-retried', '1');
      return options.fetch(retry);
    },
  };
}

export function createControlClient(baseUrl: string, tokens: TokenSource): ControlClient {
  const client = createClient<paths>({ baseUrl });
  client.use(bearerAuth(tokens));
  return client;
}

/** The data of an openapi-fetch answer, or an ApiProblem. */
export function unwrap<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.error !== undefined || answer.data === undefined) {
    if (answer.response.ok && answer.error === undefined) return undefined as T;
    const error = answer.error as Partial<Problem> | undefined;
    throw new ApiProblem({
      type: error?.type ?? 'about:blank',
      title: error?.title ?? answer.response.statusText ?? 'Request failed',
      status: error?.status ?? answer.response.status,
      ...(error?.detail ? { detail: error.detail } : {}),
      ...(error?.errors ? { errors: error.errors } : {}),
    });
  }
  return answer.data;
}
