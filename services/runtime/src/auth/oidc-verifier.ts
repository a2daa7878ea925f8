import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { HttpProblem, sendProblem } from '../problem.ts';

export interface OidcVerifierOptions {
  /** The issuer URL exactly as it appears in the tokens' `iss` (and in its discovery document). */
  issuer: string;
  /** The audience (`aud`) a token must carry; any of them when several are given. */
  audience: string | string[];
  /** Seconds of clock skew tolerated on `exp`/`nbf` (default 30). */
  clockToleranceSeconds?: number;
  /**
   * The least time between two JWKS fetches caused by an unknown key id (default 10 s), so a
   * flood of tokens with made-up `kid`s cannot hammer the issuer.
   */
  jwksCooldownMs?: number;
  /** How long fetched keys are trusted before they are fetched again (default 10 min). */
  jwksMaxAgeMs?: number;
  /** The algorithms accepted (default: asymmetric ones only, so a shared-secret `HS256` token never passes). */
  algorithms?: string[];
  /** Used for the discovery document (the JWKS is fetched by jose). */
  fetch?: typeof fetch;
}

/** A token that was checked: signature by the issuer's keys, issuer, audience, expiry. */
export interface VerifiedToken {
  subject: string;
  claims: JWTPayload & Record<string, unknown>;
  raw: string;
}

/** Why a token was refused, in words a client developer can act on. 401 when answered over HTTP. */
export class TokenRejectedError extends Error {
  constructor(
    readonly reason: 'malformed' | 'expired' | 'audience' | 'issuer' | 'signature' | 'unknown_key' | 'claims',
    message: string,
  ) {
    super(message);
    this.name = 'TokenRejectedError';
  }
}

/** The issuer could not be reached or answered nonsense: not the client's fault (503). */
export class IssuerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IssuerUnavailableError';
  }
}

const DEFAULT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies bearer JWTs from one OIDC issuer: discovers `jwks_uri` from
 * `<issuer>/.well-known/openid-configuration`, caches the keys, and fetches them again when a token
 * names a key id it has not seen (the issuer rotated its keys), at most once per cooldown.
 */
export class OidcVerifier {
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(private readonly options: OidcVerifierOptions) {}

  get issuer(): string {
    return this.options.issuer;
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
      throw new TokenRejectedError('malformed', 'the bearer token is not a JWT (three base64url parts)');
    }
    const jwks = await this.keys();
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.options.algorithms ?? DEFAULT_ALGORITHMS,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp', 'sub'],
      });
      return { subject: String(payload.sub), claims: payload as VerifiedToken['claims'], raw: token };
    } catch (error) {
      throw translateJoseError(error, this.options);
    }
  }

  /** Fetches discovery and keys now (e.g. at start or in readiness checks); throws IssuerUnavailableError. */
  async ready(): Promise<void> {
    await this.keys();
  }

  private async keys() {
    if (this.jwks) return this.jwks;
    this.discovering ??= this.discover().finally(() => {
      this.discovering = undefined;
    });
    this.jwks = await this.discovering;
    return this.jwks;
  }

  private async discover() {
    const doFetch = this.options.fetch ?? fetch;
    const url = `${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await doFetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`answered ${res.status}`);
      document = (await res.json()) as typeof document;
    } catch (error) {
      throw new IssuerUnavailableError(`OIDC discovery at ${url} failed: ${(error as Error).message}`);
    }
    if (document.issuer !== this.options.issuer) {
      throw new IssuerUnavailableError(
        `OIDC discovery at ${url} names issuer ${JSON.stringify(document.issuer)}, not ${this.options.issuer}; fix SPEAKNODE_OIDC_ISSUER`,
      );
    }
    if (typeof document.jwks_uri !== 'string') {
      throw new IssuerUnavailableError(`OIDC discovery at ${url} has no jwks_uri`);
    }
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      cooldownDuration: this.options.jwksCooldownMs ?? 10_000,
      cacheMaxAge: this.options.jwksMaxAgeMs ?? 600_000,
      timeoutDuration: 10_000,
    });
  }
}

function translateJoseError(error: unknown, options: OidcVerifierOptions): Error {
  if (error instanceof errors.JWTExpired) return new TokenRejectedError('expired', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') {
      return new TokenRejectedError(
        'audience',
        `the token is not meant for this API (audience must be ${options.audience})`,
      );
    }
    if (error.claim === 'iss') {
      return new TokenRejectedError('issuer', `the token was not issued by ${options.issuer}`);
    }
    return new TokenRejectedError('claims', `the token's "${error.claim}" claim is not valid: ${error.reason}`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new TokenRejectedError('unknown_key', 'the token is signed with a key the issuer does not publish');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejectedError('signature', 'the token signature is not valid');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new TokenRejectedError('signature', 'the token is signed with an algorithm that is not accepted');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new IssuerUnavailableError(`the issuer's keys could not be fetched: ${(error as Error).message}`);
  }
  if (error instanceof errors.JOSEError)
    return new TokenRejectedError('malformed', `the token is not valid: ${error.message}`);
  if (error instanceof TypeError || (error as Error)?.name === 'AbortError') {
    return new IssuerUnavailableError(`the issuer's keys could not be fetched: ${(error as Error).message}`);
  }
  return error as Error;
}

/** The bearer token of a request, or undefined when there is no `Authorization: Bearer …`. */
export function bearerTokenOf(req: Pick<Request, 'headers'>): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

const VERIFIED = Symbol('speaknode.verifiedToken');

/** The token `requireBearerToken` verified for this request. */
export function verifiedTokenOf(res: Response): VerifiedToken | undefined {
  return (res.locals as Record<symbol, VerifiedToken | undefined>)[VERIFIED];
}

/**
 * Express middleware: 401 problem+json unless the request carries a valid bearer token from the
 * verifier's issuer; 503 when the issuer cannot be reached. The token is then at `verifiedTokenOf(res)`.
 */
export function requireBearerToken(verifier: OidcVerifier): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerTokenOf(req);
    if (!token) {
      sendProblem(res, HttpProblem.unauthorized('an Authorization: Bearer <token> header is required'));
      return;
    }
    try {
      (res.locals as Record<symbol, VerifiedToken>)[VERIFIED] = await verifier.verify(token);
    } catch (error) {
      sendProblem(res, problemForTokenError(error));
      return;
    }
    next();
  };
}

export function problemForTokenError(error: unknown): HttpProblem {
  if (error instanceof TokenRejectedError) {
    return new HttpProblem(401, 'Unauthorized', error.message, {
      headers: {
        'WWW-Authenticate': `Bearer error="invalid_token", error_description="${error.message.replace(/"/g, "'")}"`,
      },
    });
  }
  if (error instanceof IssuerUnavailableError) {
    return HttpProblem.unavailable(`tokens cannot be checked right now: ${error.message}`, 5);
  }
  throw error;
}

/**
 * The roles a token carries, wherever the issuer put them: a `roles` array (oidc-provider, Entra),
 * Keycloak's `realm_access.roles` and `resource_access.<client>.roles`, and space-separated `scope`.
 */
export function rolesOf(claims: Record<string, unknown>): string[] {
  const roles = new Set<string>();
  const addAll = (value: unknown) => {
    if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') roles.add(v);
  };
  addAll(claims.roles);
  addAll((claims.realm_access as { roles?: unknown } | undefined)?.roles);
  const resourceAccess = claims.resource_access;
  if (resourceAccess && typeof resourceAccess === 'object') {
    for (const entry of Object.values(resourceAccess as Record<string, { roles?: unknown }>)) addAll(entry?.roles);
  }
  if (typeof claims.scope === 'string') for (const s of claims.scope.split(' ')) if (s) roles.add(s);
  return [...roles];
}
