import { Router } from 'express';
import type { RouteModule } from '../routes/route-module.ts';

/** The receiver's admin paths the console may use through control. */
const FORWARDED = /^\/admin\/v1\/(openapi\.json|routes(\/.*)?|dead-letters(\/.*)?)$/;
/** Headers of the answer passed back to the console. */
const ANSWER_HEADERS = ['content-type', 'location', 'retry-after', 'www-authenticate', 'cache-control'];

/**
 * `/webhooks/admin/v1/…` → the webhook receiver's own admin API (WEBHOOKS_URL + `/admin/v1/…`), so
 * the console reaches it on control's origin: no CORS for the web app, and no second site in the
 * Electron app's CSP. Control only carries the request: the receiver verifies the caller's bearer
 * token itself and asks control for the caller's role in the route's space. Only the admin
 * paths are forwarded (never `/in/…` or the providers' endpoints).
 */
export const webhooksAdminProxyRoutes: RouteModule = {
  name: 'webhooks-admin-proxy',
  mount: 'public',
  router(ctx) {
    const router = Router();
    const base = ctx.config.WEBHOOKS_URL.replace(/\/+$/, '');
    router.use('/webhooks', async (req, res, next) => {
      const [path, query] = splitUrl(req.url);
      // A dot segment or a backslash would let the URL parser move the request off the admin paths.
      if (
        /(^|\/)(\.|%2e){1,2}(\/|$)|\\|%5c/i.test(path) ||
        !FORWARDED.test(path) ||
        !['GET', 'POST', 'PATCH', 'DELETE'].includes(req.method)
      )
        return next();
      const headers: Record<string, string> = { accept: req.get('accept') ?? 'application/json' };
      const authorization = req.get('authorization');
      if (authorization) headers.authorization = authorization;
      let body: string | undefined;
      // control's JSON parser has read the body already; the admin API takes JSON only.
      if (req.method === 'POST' || req.method === 'PATCH') {
        body = JSON.stringify(req.body ?? {});
        headers['content-type'] = 'application/json';
      }
      let answer: Response;
      try {
        answer = await fetch(`${base}${path}${query}`, {
          method: req.method,
          headers,
          ...(body === undefined ? {} : { body }),
          redirect: 'manual',
          signal: AbortSignal.timeout(15_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        res
          .status(502)
          .type('application/problem+json')
          .send(
            JSON.stringify({
              type: 'about:blank',
              title: 'Bad Gateway',
              status: 502,
              detail: `the webhook receiver at ${new URL(base).origin} could not be reached (${cause}): check that it runs and that control's WEBHOOKS_URL points at it`,
            }),
          );
        return;
      }
      res.status(answer.status);
      for (const name of ANSWER_HEADERS) {
        const value = answer.headers.get(name);
        if (value) res.setHeader(name, name === 'location' ? `/webhooks${value}` : value);
      }
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    return router;
  },
};

function splitUrl(url: string): [string, string] {
  const at = url.indexOf('?');
  return at === -1 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}
