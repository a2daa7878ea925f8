import {
  HttpProblem,
  type OidcVerifier,
  parseOrProblem,
  requireBearerToken,
  rolesOf,
  verifiedTokenOf,
} from '@speaknode/runtime';
import express, { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { InboundRouteInput, InboundRoutePatch, RouteKey, redactRoute } from './route-definition.ts';
import { RouteKeyTakenError, type RouteStore } from './route-store.ts';

export const DEFAULT_ADMIN_ROLE = 'speaknode:admin';

/**
 * `/admin/v1/routes`: the console's API for inbound routes. Every call carries an OIDC bearer token
 * from the platform's issuer (checked like control does) whose roles include `adminRole`.
 * Secrets are write-only: answers show them as `********`.
 */
export function adminRouter(options: { routes: RouteStore; verifier: OidcVerifier; adminRole?: string }): Router {
  const router = Router();
  const adminRole = options.adminRole ?? DEFAULT_ADMIN_ROLE;
  const requireAdmin: RequestHandler = (_req, res, next) => {
    const token = verifiedTokenOf(res);
    if (!token || !rolesOf(token.claims).includes(adminRole)) {
      throw HttpProblem.forbidden(`managing webhook routes needs the "${adminRole}" role`);
    }
    next();
  };
  router.use(requireBearerToken(options.verifier), requireAdmin, express.json({ limit: '256kb' }));

  const keyOf = (value: unknown) => {
    const parsed = RouteKey.safeParse(value);
    if (!parsed.success) throw HttpProblem.notFound(`no inbound route "${String(value).slice(0, 64)}"`);
    return parsed.data;
  };

  router.get('/', async (req, res) => {
    const { spaceId } = parseOrProblem(z.object({ spaceId: z.uuid().optional() }), req.query, 'query');
    const routes = await options.routes.list(spaceId);
    res.json({ items: routes.map(redactRoute) });
  });

  router.post('/', async (req, res) => {
    const input = parseOrProblem(InboundRouteInput, req.body);
    try {
      const route = await options.routes.create(input);
      res.status(201).location(`/admin/v1/routes/${route.key}`).json(redactRoute(route));
    } catch (error) {
      if (error instanceof RouteKeyTakenError) throw HttpProblem.conflict(error.message);
      throw error;
    }
  });

  router.get('/:key', async (req, res) => {
    const route = await options.routes.find(keyOf(req.params.key));
    if (!route) throw HttpProblem.notFound(`no inbound route "${req.params.key}"`);
    res.json(redactRoute(route));
  });

  router.patch('/:key', async (req, res) => {
    const key = keyOf(req.params.key);
    const patch = parseOrProblem(InboundRoutePatch.strict(), req.body);
    const route = await options.routes.update(key, patch);
    if (!route) throw HttpProblem.notFound(`no inbound route "${key}"`);
    res.json(redactRoute(route));
  });

  router.delete('/:key', async (req, res) => {
    const key = keyOf(req.params.key);
    if (!(await options.routes.delete(key))) throw HttpProblem.notFound(`no inbound route "${key}"`);
    res.status(204).end();
  });
  return router;
}
