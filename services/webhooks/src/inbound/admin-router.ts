import { type Role, roleAtLeast } from '@speaknode/contracts';
import {
  type OidcVerifier,
  requireBearerToken,
  rolesOf,
  type VerifiedToken,
  verifiedTokenOf,
} from '@speaknode/runtime/auth';
import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import express, { type Response, Router } from 'express';
import { z } from 'zod';
import { type InboundRoute, InboundRouteInput, InboundRoutePatch, RouteKey, redactRoute } from './route-definition.ts';
import type { RouteDeliveries } from './route-deliveries.ts';
import { RouteKeyTakenError, type RouteStore } from './route-store.ts';
import { type SpaceAccess, SpaceAccessUnavailableError } from './space-access.ts';

export const DEFAULT_ADMIN_ROLE = 'speaknode:admin';

/**
 * `/admin/v1/routes`: the console's API for inbound routes. Every call carries an OIDC bearer token
 * from the platform's issuer, verified like control does. Access follows the caller's role in the
 * route's space, as control knows it (viewer reads, admin and owner change); a space the caller is
 * not in is indistinguishable from a missing route (404). A token with the platform role
 * `adminRole` manages every space. Secrets are write-only: answers show them as `********`.
 */
export function adminRouter(options: {
  routes: RouteStore;
  verifier: OidcVerifier;
  spaces: SpaceAccess;
  adminRole?: string;
  deliveries?: RouteDeliveries;
  /** PUBLIC_BASE_URL: each route's answer says where its sender posts. */
  publicBaseUrl?: string;
}): Router {
  const router = Router();
  const base = (options.publicBaseUrl ?? '').replace(/\/+$/, '');
  const view = (route: InboundRoute) => ({ ...redactRoute(route), url: `${base}/in/${route.key}` });
  const adminRole = options.adminRole ?? DEFAULT_ADMIN_ROLE;
  router.use(requireBearerToken(options.verifier), express.json({ limit: '256kb' }));

  const tokenOf = (res: Response): VerifiedToken => verifiedTokenOf(res) as VerifiedToken;
  const isPlatformAdmin = (res: Response) => rolesOf(tokenOf(res).claims).includes(adminRole);

  /** Resolves when the caller may act in `spaceId` with at least `needed`; `missing` is the 404 it gets otherwise. */
  async function requireSpaceRole(res: Response, spaceId: string, needed: Role, missing: string): Promise<void> {
    if (isPlatformAdmin(res)) return;
    let role: Role | null;
    try {
      role = await options.spaces.roleIn(spaceId, tokenOf(res).raw);
    } catch (error) {
      if (error instanceof SpaceAccessUnavailableError) {
        throw HttpProblem.unavailable(`your role cannot be checked right now: ${error.message}`, 5);
      }
      throw error;
    }
    if (!role) throw HttpProblem.notFound(missing);
    if (!roleAtLeast(role, needed)) {
      throw HttpProblem.forbidden(`your role in this space is ${role}; this needs ${needed} or higher`);
    }
  }

  const keyOf = (value: unknown) => {
    const parsed = RouteKey.safeParse(value);
    if (!parsed.success) throw HttpProblem.notFound(`no inbound route "${String(value).slice(0, 64)}"`);
    return parsed.data;
  };

  const routeFor = async (res: Response, key: string, needed: Role) => {
    const route = await options.routes.find(key);
    const missing = `no inbound route "${key}"`;
    if (!route) throw HttpProblem.notFound(missing);
    await requireSpaceRole(res, route.spaceId, needed, missing);
    return route;
  };

  router.get('/', async (req, res) => {
    const { spaceId } = parseOrProblem(z.object({ spaceId: z.uuid().optional() }), req.query, 'query');
    if (spaceId) await requireSpaceRole(res, spaceId, 'viewer', `no space ${spaceId}`);
    else if (!isPlatformAdmin(res)) throw HttpProblem.badRequest('spaceId is required: the routes of which space?');
    const routes = await options.routes.list(spaceId);
    res.json({ items: routes.map(view) });
  });

  router.post('/', async (req, res) => {
    const input = parseOrProblem(InboundRouteInput, req.body);
    await requireSpaceRole(res, input.spaceId, 'admin', `no space ${input.spaceId}`);
    try {
      const route = await options.routes.create(input);
      res.status(201).location(`/admin/v1/routes/${route.key}`).json(view(route));
    } catch (error) {
      // Keys are global (they are URL segments): a taken key is a conflict whichever space holds it.
      if (error instanceof RouteKeyTakenError) throw HttpProblem.conflict(error.message);
      throw error;
    }
  });

  router.get('/:key', async (req, res) => {
    res.json(view(await routeFor(res, keyOf(req.params.key), 'viewer')));
  });

  router.get('/:key/deliveries', async (req, res) => {
    const route = await routeFor(res, keyOf(req.params.key), 'viewer');
    res.json({ items: options.deliveries?.list(route.key) ?? [] });
  });

  router.patch('/:key', async (req, res) => {
    const key = keyOf(req.params.key);
    const patch = parseOrProblem(InboundRoutePatch.strict(), req.body);
    await routeFor(res, key, 'admin');
    const route = await options.routes.update(key, patch);
    if (!route) throw HttpProblem.notFound(`no inbound route "${key}"`);
    res.json(view(route));
  });

  router.delete('/:key', async (req, res) => {
    const key = keyOf(req.params.key);
    await routeFor(res, key, 'admin');
    if (!(await options.routes.delete(key))) throw HttpProblem.notFound(`no inbound route "${key}"`);
    options.deliveries?.forget(key);
    res.status(204).end();
  });
  return router;
}
