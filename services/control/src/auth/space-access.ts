import { type Role, roleAtLeast } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime';
import type { RequestHandler, Response } from 'express';
import type { ControlContext } from '../context.ts';
import { principalOf } from './principal.ts';

export interface SpaceAccess {
  spaceId: string;
  role: Role;
}

const SPACE = Symbol('speaknode.space');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The space of a `/api/v1/spaces/:spaceId/…` request and the caller's role in it. */
export function spaceOf(res: Response): SpaceAccess {
  const access = (res.locals as Record<symbol, SpaceAccess | undefined>)[SPACE];
  if (!access) throw new Error('spaceOf called on a route outside /api/v1/spaces/:spaceId');
  return access;
}

/** 403 unless the caller's role in the space is at least `minimum`. */
export function requireRole(res: Response, minimum: Role): SpaceAccess {
  const access = spaceOf(res);
  if (!roleAtLeast(access.role, minimum)) {
    throw HttpProblem.forbidden(`this needs the ${minimum} role in the space; yours is ${access.role}`);
  }
  return access;
}

/**
 * Resolves `:spaceId` and the caller's role. A space the caller is not a member of answers 404,
 * exactly like one that does not exist, so ids of other tenants reveal nothing.
 */
export function resolveSpace(ctx: ControlContext): RequestHandler {
  return async (req, res, next) => {
    const spaceId = String(req.params.spaceId);
    const missing = HttpProblem.notFound(`no space ${spaceId}`);
    if (!isUuid(spaceId)) throw missing;
    const principal = principalOf(res);
    let role: Role | undefined;
    if (principal.kind === 'api_key') {
      role = principal.spaceId === spaceId ? principal.role : undefined;
    } else if (principal.kind === 'user') {
      const { rows } = await ctx.pool.query<{ role: Role }>(
        'SELECT role FROM members WHERE space_id = $1 AND user_id = $2',
        [spaceId, principal.userId],
      );
      role = rows[0]?.role;
    }
    if (!role) throw missing;
    (res.locals as Record<symbol, SpaceAccess>)[SPACE] = { spaceId, role };
    next();
  };
}
