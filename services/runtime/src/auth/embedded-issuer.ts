import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { createLoginInteractions, type EmbeddedUser } from './embedded-login.ts';

export { type EmbeddedUser, generatePassword, hashPassword, verifyPassword } from './embedded-login.ts';

/** A client that may ask the embedded issuer for client-credentials tokens. */
export interface EmbeddedClient {
  clientId: string;
  clientSecret: string;
  /** Put into the token's `roles` claim, e.g. `service:webhooks`; empty for a user-like principal. */
  roles: string[];
}

/**
 * A public client that signs people in with the authorization code flow and PKCE (the console):
 * `web` redirects back to a page of the same site; `native` is the desktop app, whose loopback
 * redirect (RFC 8252) may use any port.
 */
export interface EmbeddedPublicClient {
  clientId: string;
  clientName: string;
  applicationType: 'web' | 'native';
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
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
  /** People who may sign in at the login page, and the public clients they sign in to. */
  login?: { users: EmbeddedUser[]; clients: EmbeddedPublicClient[] };
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
 * grants client-credentials JWT access tokens for the configured clients, and, with `login`, an
 * interactive login page for the authorization code flow with PKCE (the console). Not for
 * production: its users and clients come from configuration. Keycloak takes its place in the stack.
 */
export function createEmbeddedIssuer(options: EmbeddedIssuerOptions): EmbeddedIssuer {
  const rolesByClient = new Map(options.clients.map((c) => [c.clientId, c.roles]));
  // The resource indicator is a URI by the spec; the audience in the token is what control checks.
  const resource = `${options.issuer.replace(/\/$/, '')}/resource`;
  const issuerPath = new URL(options.issuer).pathname.replace(/\/$/, '');
  const login = options.login;
  const usersByName = new Map((login?.users ?? []).map((u) => [u.username, u]));
  const provider = new Provider(options.issuer, {
    clients: [
      ...options.clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      ...(login?.clients ?? []).map((c) => ({
        client_id: c.clientId,
        client_name: c.clientName,
        application_type: c.applicationType,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: c.redirectUris,
        post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
        token_endpoint_auth_method: 'none',
      })),
    ] as never,
    claims: { openid: ['sub'], email: ['email'], profile: ['name', 'preferred_username'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'api'],
    findAccount: async (_ctx, id) => {
      const user = usersByName.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          preferred_username: id,
          name: id,
          ...(user.email ? { email: user.email } : {}),
        }),
      };
    },
    interactions: { url: async (_ctx, interaction) => `${issuerPath}/interaction/${interaction.uid}` },
    // Public clients get a (rotating) refresh token so the console can renew silently.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    pkce: { required: () => true },
    ttl: {
      ClientCredentials: options.accessTokenTtlSeconds ?? 600,
      AccessToken: options.accessTokenTtlSeconds ?? 600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
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
    adapter: MemoryAdapter,
  });
  provider.on('server_error', (_ctx, error) => console.error('embedded OIDC issuer error', error));
  const callback = provider.callback() as EmbeddedIssuer['handler'];
  if (!login) return { issuer: options.issuer, handler: callback };
  const interaction = createLoginInteractions(provider, login.users, issuerPath);
  // Mounted at the issuer's path, so the request URL here is relative to it.
  const handler: EmbeddedIssuer['handler'] = (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return callback(req, res);
    interaction(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.end();
      const expired = (error as { name?: string }).name === 'SessionNotFound';
      res.writeHead(expired ? 400 : 500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(expired ? 'This sign-in has expired. Go back to the console and sign in again.' : 'Sign-in failed.');
      if (!expired) console.error('embedded OIDC login error', error);
    });
  };
  return { issuer: options.issuer, handler };
}

/**
 * The issuer's short-lived state (sessions, interactions, codes, grants, refresh tokens) in memory:
 * a restart signs everyone out, which is fine for a trial. Expired entries are dropped when met and
 * swept when the store grows.
 */
class MemoryAdapter {
  private static readonly store = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  private static readonly uids = new Map<string, string>();
  private static readonly grants = new Map<string, Set<string>>();
  constructor(private readonly model: string) {}
  private key(id: string) {
    return `${this.model}:${id}`;
  }
  private static sweep() {
    if (MemoryAdapter.store.size < 10_000) return;
    const now = Date.now();
    for (const [key, entry] of MemoryAdapter.store) if (entry.expiresAt < now) MemoryAdapter.store.delete(key);
  }
  async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
    MemoryAdapter.sweep();
    const key = this.key(id);
    MemoryAdapter.store.set(key, { payload, expiresAt: Date.now() + expiresIn * 1000 });
    if (typeof payload.uid === 'string') MemoryAdapter.uids.set(`${this.model}:${payload.uid}`, id);
    if (typeof payload.grantId === 'string') {
      const keys = MemoryAdapter.grants.get(payload.grantId) ?? new Set();
      keys.add(key);
      MemoryAdapter.grants.set(payload.grantId, keys);
    }
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
  async findByUid(uid: string) {
    const id = MemoryAdapter.uids.get(`${this.model}:${uid}`);
    return id ? this.find(id) : undefined;
  }
  async consume(id: string) {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (typeof entry?.payload.uid === 'string') MemoryAdapter.uids.delete(`${this.model}:${entry.payload.uid}`);
    MemoryAdapter.store.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string) {
    for (const key of MemoryAdapter.grants.get(grantId) ?? []) MemoryAdapter.store.delete(key);
    MemoryAdapter.grants.delete(grantId);
  }
}
