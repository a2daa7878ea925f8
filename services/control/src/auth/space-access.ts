import { type Role, roleAtLeast } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
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
 * Memberships seen recently, only with the embedded database: there is exactly one control then,
 * so clearing the cache on every membership change keeps it exact (PGlite serves one query at a
 * time, and this saves one per request). With a PostgreSQL server several instances may run, and
 * every request reads the membership.
 */
interface MembershipCache {
  entries: Map<string, { role: Role; expiresAt: number }>;
  /** Bumped on every clear, so a read that started before a change cannot store its stale answer. */
  generation: number;
}
const membershipCaches = new WeakMap<object, MembershipCache>();

function membershipCacheOf(ctx: ControlContext): MembershipCache | undefined {
  if (!ctx.embeddedDatabase) return undefined;
  let cache = membershipCaches.get(ctx.pool);
  if (!cache) {
    cache = { entries: new Map(), generation: 0 };
    membershipCaches.set(ctx.pool, cache);
  }
  return cache;
}

/** Call after any change of members or spaces (in the same process as the change). */
export function forgetMemberships(ctx: ControlContext): void {
  const cache = membershipCaches.get(ctx.pool);
  if (!cache) return;
  cache.entries.clear();
  cache.generation++;
}

/**
 * Resolves `:spaceId` and the caller's role. A space the caller is not a member of answers 404,
 * exactly like one that does not exist, so ids of other tenants reveal nothing.
 */
export function resolveSpace(ctx: ControlContext): RequestHandler {
  return async (req, res, next) => {
    const spaceId = String(req.params.spaceId);
    // Built only when needed: an Error captures a stack trace, too costly for every request.
    const missing = () => HttpProblem.notFound(`no space ${spaceId}`);
    if (!isUuid(spaceId)) throw missing();
    const principal = principalOf(res);
    let role: Role | undefined;
    if (principal.kind === 'api_key') {
      role = principal.spaceId === spaceId ? principal.role : undefined;
    } else if (principal.kind === 'user') {
      const cache = membershipCacheOf(ctx);
      const key = `${principal.userId}:${spaceId}`;
      const cached = cache?.entries.get(key);
      if (cached && cached.expiresAt > Date.now()) {
        role = cached.role;
      } else {
        const generation = cache?.generation;
        const { rows } = await ctx.pool.query<{ role: Role }>({
          name: 'find-membership',
          text: 'SELECT role FROM members WHERE space_id = $1 AND user_id = $2',
          values: [spaceId, principal.userId],
        });
        role = rows[0]?.role;
        if (cache && role && cache.generation === generation) {
          if (cache.entries.size > 10_000) cache.entries.clear();
          cache.entries.set(key, { role, expiresAt: Date.now() + 60_000 });
        }
      }
    }
    if (!role) throw missing();
    (res.locals as Record<symbol, SpaceAccess>)[SPACE] = { spaceId, role };
    next();
  };
}
