import { createHash } from 'node:crypto';
import { type ServiceRole, ServiceRole as ServiceRoleSchema } from '@speaknode/contracts';
import { bearerTokenOf, problemForTokenError, rolesOf } from '@speaknode/runtime/auth';
import { HttpProblem, sendProblem } from '@speaknode/runtime/problem';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ControlContext } from '../context.ts';

/** Who is calling. Users come from OIDC tokens, API keys act inside one space, services call /internal. */
export type Principal =
  | { kind: 'user'; userId: string; subject: string; label: string }
  | { kind: 'api_key'; apiKeyId: string; spaceId: string; role: 'viewer' | 'editor' | 'admin'; label: string }
  | { kind: 'service'; subject: string; roles: ServiceRole[]; label: string };

const PRINCIPAL = Symbol('speaknode.principal');

export function principalOf(res: Response): Principal {
  const principal = (res.locals as Record<symbol, Principal | undefined>)[PRINCIPAL];
  if (!principal) throw new Error('principalOf called on a route without authenticate()');
  return principal;
}

export const API_KEY_PREFIX = 'sk_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Verified tokens are immutable until they expire, so a token seen before is not verified again
 * (the signature check and the user lookup are the costly part of every request).
 */
class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();
  constructor(private readonly max = 10_000) {}

  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  set(token: string, principal: Principal, expiresAt: number) {
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { principal, expiresAt });
  }
}

/**
 * Resolves the caller of every /api/v1 and /internal/v1 request: an OIDC JWT (a user created on
 * first sight, or a service when the token carries a service role) or a space API key (`sk_…`).
 * Missing or bad credentials answer 401; an issuer that cannot be reached answers 503.
 */
export function authenticate(ctx: ControlContext): RequestHandler {
  const cache = new PrincipalCache();
  const userIds = new Map<string, string>();

  async function userIdFor(subject: string, email: string | undefined): Promise<string> {
    const known = userIds.get(subject);
    if (known) return known;
    const { rows } = await ctx.pool.query<{ id: string }>(
      `INSERT INTO users (id, subject, email) VALUES ($1, $2, $3)
       ON CONFLICT (subject) DO UPDATE SET email = COALESCE(EXCLUDED.email, users.email)
       RETURNING id`,
      [crypto.randomUUID(), subject, email ?? null],
    );
    const id = rows[0]!.id;
    if (userIds.size > 50_000) userIds.clear();
    userIds.set(subject, id);
    return id;
  }

  async function fromApiKey(key: string): Promise<Principal> {
    const { rows } = await ctx.pool.query<{
      id: string;
      space_id: string;
      role: 'viewer' | 'editor' | 'admin';
      name: string;
    }>('SELECT id, space_id, role, name FROM api_keys WHERE key_hash = $1', [hashApiKey(key)]);
    const row = rows[0];
    if (!row) throw HttpProblem.unauthorized('the API key is not valid (revoked or mistyped)');
    // Recorded at most once a minute per key, off the request path.
    ctx.pool
      .query(
        `UPDATE api_keys SET last_used_at = now()
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [row.id],
      )
      .catch(() => {});
    return { kind: 'api_key', apiKeyId: row.id, spaceId: row.space_id, role: row.role, label: `api key ${row.name}` };
  }

  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerTokenOf(req);
    if (!token) {
      sendProblem(res, HttpProblem.unauthorized('an Authorization: Bearer <token> header is required'));
      return;
    }
    try {
      let principal = cache.get(token);
      if (!principal) {
        if (token.startsWith(API_KEY_PREFIX)) {
          principal = await fromApiKey(token);
        } else {
          const verified = await ctx.verifier.verify(token);
          const serviceRoles = rolesOf(verified.claims).filter(
            (role): role is ServiceRole => ServiceRoleSchema.safeParse(role).success,
          );
          if (serviceRoles.length > 0) {
            principal = { kind: 'service', subject: verified.subject, roles: serviceRoles, label: verified.subject };
          } else {
            const email = typeof verified.claims.email === 'string' ? verified.claims.email : undefined;
            principal = {
              kind: 'user',
              userId: await userIdFor(verified.subject, email),
              subject: verified.subject,
              label: email ?? verified.subject,
            };
          }
          cache.set(token, principal, Number(verified.claims.exp) * 1000);
        }
      }
      (res.locals as Record<symbol, Principal>)[PRINCIPAL] = principal;
    } catch (error) {
      if (error instanceof HttpProblem) {
        sendProblem(res, error);
        return;
      }
      try {
        sendProblem(res, problemForTokenError(error));
      } catch (unexpected) {
        next(unexpected);
      }
      return;
    }
    next();
  };
}

/** For /api/v1: users and API keys. Service tokens belong on /internal/v1. */
export const rejectServices: RequestHandler = (_req, res, next) => {
  if (principalOf(res).kind === 'service') {
    throw HttpProblem.forbidden('service tokens may only call /internal/v1; use a user token or an API key');
  }
  next();
};

/** For /internal/v1 routes: a client-credentials token carrying one of `roles`. */
export function requireService(...roles: ServiceRole[]): RequestHandler {
  return (_req, res, next) => {
    const principal = principalOf(res);
    if (principal.kind !== 'service') {
      throw HttpProblem.forbidden('internal endpoints need a client-credentials token with a service role');
    }
    if (!principal.roles.some((role) => roles.includes(role))) {
      throw HttpProblem.forbidden(`this endpoint needs one of the service roles ${roles.join(', ')}`);
    }
    next();
  };
}
