import type { Router } from 'express';
import type { ControlContext } from '../context.ts';
import type { OpenApiBuilder } from '../openapi/builder.ts';

/**
 * One unit of HTTP surface. `createControlApp` mounts each module's router where `mount` says and
 * puts the right guard in front of it, so a module only writes its handlers:
 *
 * - `space`: under `/api/v1/spaces/:spaceId` — caller authenticated, space resolved (non-members get
 *   404); read the space and role with `spaceOf(res)` / `requireRole(res, 'editor')`.
 * - `api`: under `/api/v1` — caller authenticated (a user or an API key; `principalOf(res)`).
 * - `internal`: under `/internal/v1` — caller authenticated; guard each route with `requireService(...)`.
 * - `public`: at the root, no authentication (widget endpoints); rate-limit and validate yourself.
 */
export interface RouteModule {
  name: string;
  mount: 'space' | 'api' | 'internal' | 'public';
  router(ctx: ControlContext): Router;
  /** Adds the module's public operations to `GET /openapi.json`. */
  openapi?(doc: OpenApiBuilder): void;
}
