import type { IncomingMessage, ServerResponse } from 'node:http';
import { notFoundHandler, problemErrorHandler } from '@speaknode/runtime/problem';
import express, { type Express, Router } from 'express';
import { authenticate, rejectServices } from './auth/principal.ts';
import { resolveSpace } from './auth/space-access.ts';
import type { ControlContext } from './context.ts';
import { MERGE_PATCH_MEDIA_TYPE } from './http/merge-patch.ts';
import { buildOpenApiDocument } from './openapi/document.ts';
import { type RouteModule, routeModules } from './routes/index.ts';

export interface ControlAppOptions {
  /** The route modules to mount; defaults to `routeModules` (routes/index.ts). */
  modules?: RouteModule[];
  /** Mounted after `modules`: a way to add routes without editing routes/index.ts (tests, experiments). */
  extraModules?: RouteModule[];
  /** The embedded OIDC issuer's handler, mounted at `/oidc` (trials only). */
  oidcHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** JSON body limit (default 1 MB). */
  bodyLimit?: string;
}

/**
 * The control API as an Express app, built from injected parts (`ControlContext`), so tests and
 * `main.ts` build it the same way. Route modules are mounted behind the guards their `mount` names.
 */
export function createControlApp(ctx: ControlContext, options: ControlAppOptions = {}): Express {
  const modules = [...(options.modules ?? routeModules), ...(options.extraModules ?? [])];
  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For is believed only from the proxies an operator listed (TRUSTED_PROXIES): any
  // other client could name any address and slip past the per-IP limits.
  app.set('trust proxy', ctx.config.TRUSTED_PROXIES?.length ? ctx.config.TRUSTED_PROXIES : false);
  app.set('etag', false);

  if (options.oidcHandler) app.use('/oidc', options.oidcHandler);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = {
      database: await ctx.pool.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      bus: await ctx.bus.ping().catch(() => false),
      store: await ctx.store.ping().catch(() => false),
    };
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  let openApi: string | undefined;
  app.get('/openapi.json', (_req, res) => {
    openApi ??= JSON.stringify(buildOpenApiDocument(modules));
    res.type('application/json').send(openApi);
  });

  // PATCH bodies are JSON Merge Patch documents, sent as either media type.
  app.use(express.json({ limit: options.bodyLimit ?? '1mb', type: ['application/json', MERGE_PATCH_MEDIA_TYPE] }));

  for (const module of modules.filter((m) => m.mount === 'public')) app.use(module.router(ctx));

  const auth = authenticate(ctx);

  const internal = Router();
  for (const module of modules.filter((m) => m.mount === 'internal')) internal.use(module.router(ctx));
  app.use('/internal/v1', auth, internal);

  const space = Router({ mergeParams: true });
  for (const module of modules.filter((m) => m.mount === 'space')) space.use(module.router(ctx));
  const api = Router();
  for (const module of modules.filter((m) => m.mount === 'api')) api.use(module.router(ctx));
  app.use('/api/v1', auth, rejectServices);
  app.use('/api/v1/spaces/:spaceId', resolveSpace(ctx), space);
  app.use('/api/v1', api);

  app.use(notFoundHandler);
  app.use(
    problemErrorHandler((message, error) =>
      ctx.log.error(message, { error: error instanceof Error ? error.stack : String(error) }),
    ),
  );
  return app;
}
