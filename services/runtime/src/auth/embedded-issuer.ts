import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

/** A client that may ask the embedded issuer for client-credentials tokens. */
export interface EmbeddedClient {
  clientId: string;
  clientSecret: string;
  /** Put into the token's `roles` claim, e.g. `service:webhooks`; empty for a user-like principal. */
  roles: string[];
}

export interface EmbeddedIssuerOptions {
  /** The issuer URL, which must be where the handler is reachable, e.g. `http://127.0.0.1:8080/oidc`. */
  issuer: string;
  /** The `aud` of every access token it mints. */
  audience: string;
  clients: EmbeddedClient[];
  /** Private signing keys (JWK, with `kid`); generate once with `generateIssuerKeys` and keep them to survive restarts. */
  signingKeys: JWK[];
  /** Keys for the provider's cookies; random when not given. */
  cookieKeys?: string[];
  accessTokenTtlSeconds?: number;
}

export interface EmbeddedIssuer {
  issuer: string;
  /** A Node request handler; mount it at the issuer's path (`app.use('/oidc', issuer.handler)`). */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/** One RS256 signing key with a random key id, as a private JWK. */
export async function generateIssuerKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

/**
 * An OIDC issuer for trials and tests (oidc-provider): discovery, JWKS and a token endpoint that
 * grants client-credentials JWT access tokens for the configured clients. Not for production: it
 * has no user login, and its clients come from configuration. Keycloak takes its place in the stack.
 */
export function createEmbeddedIssuer(options: EmbeddedIssuerOptions): EmbeddedIssuer {
  const rolesByClient = new Map(options.clients.map((c) => [c.clientId, c.roles]));
  // The resource indicator is a URI by the spec; the audience in the token is what control checks.
  const resource = `${options.issuer.replace(/\/$/, '')}/resource`;
  const provider = new Provider(options.issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: options.signingKeys as never },
    cookies: { keys: options.cookieKeys ?? [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
          return {
            scope: 'api',
            audience: options.audience,
            accessTokenTTL: options.accessTokenTtlSeconds ?? 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    extraTokenClaims: async (_ctx, token) => {
      const clientId = (token as { clientId?: string }).clientId;
      const roles = clientId ? rolesByClient.get(clientId) : undefined;
      return roles && roles.length > 0 ? { roles } : undefined;
    },
    ttl: { ClientCredentials: options.accessTokenTtlSeconds ?? 600 },
    adapter: MemoryAdapter,
  });
  provider.on('server_error', (_ctx, error) => console.error('embedded OIDC issuer error', error));
  return { issuer: options.issuer, handler: provider.callback() as EmbeddedIssuer['handler'] };
}

/**
 * Client-credentials JWTs are stateless, so the issuer keeps nearly nothing; an explicit in-memory
 * adapter says so (and keeps oidc-provider from warning about its quick-start one).
 */
class MemoryAdapter {
  private static readonly store = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  constructor(private readonly model: string) {}
  private key(id: string) {
    return `${this.model}:${id}`;
  }
  async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
    MemoryAdapter.store.set(this.key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
  }
  async find(id: string) {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt < Date.now()) {
      MemoryAdapter.store.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }
  async findByUserCode() {
    return undefined;
  }
  async findByUid() {
    return undefined;
  }
  async consume(id: string) {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    MemoryAdapter.store.delete(this.key(id));
  }
  async revokeByGrantId() {}
}
