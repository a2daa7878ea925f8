/**
 * Client-credentials access tokens for calling another service: discovers the issuer's token
 * endpoint, asks for a token, and reuses it until shortly before it expires.
 */
export class ServiceTokenSource {
  private cached: { token: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private tokenEndpoint: string | undefined;

  constructor(
    private readonly options: {
      issuer: string;
      clientId: string;
      clientSecret: string;
      /** Optional `scope` or `audience` the issuer needs to mint the right token. */
      scope?: string;
      audience?: string;
      fetch?: typeof fetch;
      now?: () => number;
    },
  ) {}

  /**
   * From a service's `SPEAKNODE_OIDC_ISSUER`, `SPEAKNODE_SERVICE_CLIENT_ID` and
   * `SPEAKNODE_SERVICE_CLIENT_SECRET`; undefined unless all three are set.
   */
  static fromConfig(config: {
    SPEAKNODE_OIDC_ISSUER?: string | undefined;
    SPEAKNODE_SERVICE_CLIENT_ID?: string | undefined;
    SPEAKNODE_SERVICE_CLIENT_SECRET?: string | undefined;
  }): ServiceTokenSource | undefined {
    const { SPEAKNODE_OIDC_ISSUER: issuer, SPEAKNODE_SERVICE_CLIENT_ID: clientId } = config;
    const clientSecret = config.SPEAKNODE_SERVICE_CLIENT_SECRET;
    return issuer && clientId && clientSecret ? new ServiceTokenSource({ issuer, clientId, clientSecret }) : undefined;
  }

  private get fetch() {
    return this.options.fetch ?? fetch;
  }

  private now() {
    return (this.options.now ?? Date.now)();
  }

  /** A valid bearer token; concurrent callers share one request. */
  async token(): Promise<string> {
    if (this.cached && this.cached.expiresAt > this.now()) return this.cached.token;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Drop the cached token, e.g. after the callee answered 401. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async discoverTokenEndpoint(): Promise<string> {
    if (this.tokenEndpoint) return this.tokenEndpoint;
    const url = `${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const res = await this.fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`OIDC discovery at ${url} answered ${res.status}`);
    const document = (await res.json()) as { token_endpoint?: string };
    if (!document.token_endpoint) throw new Error(`OIDC discovery at ${url} has no token_endpoint`);
    this.tokenEndpoint = document.token_endpoint;
    return document.token_endpoint;
  }

  private async fetchToken(): Promise<string> {
    const endpoint = await this.discoverTokenEndpoint();
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.options.scope) body.set('scope', this.options.scope);
    if (this.options.audience) body.set('audience', this.options.audience);
    const basic = Buffer.from(
      `${encodeURIComponent(this.options.clientId)}:${encodeURIComponent(this.options.clientSecret)}`,
    ).toString('base64');
    const res = await this.fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) {
      const detail = await res.text().catch(() => '');
      throw new Error(
        `client-credentials token request for ${this.options.clientId} failed: ${res.status} ${detail.slice(0, 200)}`,
      );
    }
    const payload = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!payload.access_token) throw new Error('the token endpoint answered without an access_token');
    const lifetimeMs = (payload.expires_in ?? 300) * 1000;
    // Renew at 80% of the lifetime so a token never expires in flight.
    this.cached = { token: payload.access_token, expiresAt: this.now() + lifetimeMs * 0.8 };
    return payload.access_token;
  }
}
