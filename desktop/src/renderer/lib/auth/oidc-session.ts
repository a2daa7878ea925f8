/**
 * Sign-in with OIDC authorization code + PKCE (oauth4webapi). In a browser the page redirects to
 * the issuer and back to /console/; in Electron main opens the system browser and listens on a
 * loopback redirect (RFC 8252), and the renderer finishes the exchange. In a browser the tokens are
 * kept in sessionStorage (they end with the tab); in Electron the refresh token is kept by main in
 * the OS keychain (`auth:remember`/`auth:restore`/`auth:forget`; never in web storage), so the app
 * signs in again silently after a restart, and only the access token stays in sessionStorage. Tokens
 * are renewed with the refresh token before they expire; sign-out forgets them and ends the
 * issuer's session.
 */
import * as oauth from 'oauth4webapi';
import { controlBaseUrl, desktopBridge } from '../platform.ts';

export interface ConsoleAuthConfig {
  issuer: string;
  clientId: string;
  /** The LiveKit URL voice tests join; null when control has no LiveKit configured. */
  livekitUrl?: string | null;
}

export interface Tokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Epoch ms. */
  expiresAt: number;
  subject?: string;
}

const TOKENS = 'speaknode.tokens';
const PENDING = 'speaknode.signin';
const SCOPE = 'openid profile email offline_access api';

type Pending = { state: string; verifier: string; redirectUri: string; returnTo: string };

/** Where the refresh token lives outside web storage: main's secret store, in Electron. */
export interface RefreshTokenVault {
  restore(): Promise<string | null>;
  remember(refreshToken: string): Promise<void>;
  forget(): Promise<void>;
}

/** The preload's `auth:*` channels as a vault; undefined in a browser. */
export function desktopVault(): RefreshTokenVault | undefined {
  const bridge = desktopBridge();
  if (!bridge) return undefined;
  const unwrapped = async <T>(answer: Promise<{ result: T } | { error: { message: string } }>): Promise<T> => {
    const settled = await answer;
    if ('error' in settled) throw new Error(settled.error.message);
    return settled.result;
  };
  return {
    restore: async () => (await unwrapped(bridge['auth:restore']())).refreshToken,
    remember: async (token) => void (await unwrapped(bridge['auth:remember'](token))),
    forget: async () => void (await unwrapped(bridge['auth:forget']())),
  };
}

export class OidcSession {
  private server: oauth.AuthorizationServer | undefined;
  private refreshing: Promise<Tokens | undefined> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private listeners = new Set<(tokens: Tokens | undefined) => void>();
  /** With a vault: the refresh token in memory only (main keeps it), never in `storage`. */
  private refreshToken: string | undefined;

  constructor(
    readonly config: ConsoleAuthConfig,
    private readonly storage: Storage = globalThis.sessionStorage,
    private readonly vault: RefreshTokenVault | undefined = desktopVault(),
  ) {}

  static async fromControl(): Promise<OidcSession> {
    const base = await controlBaseUrl();
    const response = await fetch(`${base}/console/config.json`);
    if (!response.ok) throw new Error(`control did not say where to sign in (${response.status})`);
    const config = (await response.json()) as ConsoleAuthConfig;
    // The desktop app is a native client (loopback redirect) at the embedded issuer.
    if (desktopBridge() && config.clientId === 'speaknode-console') config.clientId = 'speaknode-desktop';
    return new OidcSession(config);
  }

  private get client(): oauth.Client {
    return { client_id: this.config.clientId };
  }

  private options() {
    const issuer = new URL(this.config.issuer);
    return issuer.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
  }

  private async authorizationServer(): Promise<oauth.AuthorizationServer> {
    if (this.server) return this.server;
    const issuer = new URL(this.config.issuer);
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...this.options() });
    this.server = await oauth.processDiscoveryResponse(issuer, response);
    return this.server;
  }

  onChange(listener: (tokens: Tokens | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tokens(): Tokens | undefined {
    const raw = this.storage.getItem(TOKENS);
    const tokens = raw ? (JSON.parse(raw) as Tokens) : undefined;
    if (!tokens || !this.vault || !this.refreshToken) return tokens;
    return { ...tokens, refreshToken: this.refreshToken };
  }

  private async save(tokens: Tokens | undefined) {
    if (this.vault) {
      const { refreshToken, ...rest } = tokens ?? {};
      const changed = refreshToken !== this.refreshToken;
      this.refreshToken = refreshToken;
      if (tokens) this.storage.setItem(TOKENS, JSON.stringify(rest));
      else this.storage.removeItem(TOKENS);
      // Kept or forgotten by main; a store that fails leaves this window signed in (not kept after it).
      if (changed) await (refreshToken ? this.vault.remember(refreshToken) : this.vault.forget()).catch(() => {});
    } else if (tokens) this.storage.setItem(TOKENS, JSON.stringify(tokens));
    else this.storage.removeItem(TOKENS);
    this.scheduleRefresh(tokens);
    for (const listener of this.listeners) listener(tokens);
  }

  /**
   * In Electron, after a restart: signs in again with the refresh token main kept, when there is one
   * and the issuer still takes it. True when signed in.
   */
  async restore(): Promise<boolean> {
    // After a reload the access token is still in sessionStorage, but the refresh token only in main.
    if (this.vault && !this.refreshToken)
      this.refreshToken = (await this.vault.restore().catch(() => null)) ?? undefined;
    if (this.tokens()) return true;
    if (!this.refreshToken) return false;
    return (await this.refresh()) !== undefined;
  }

  private scheduleRefresh(tokens: Tokens | undefined) {
    clearTimeout(this.timer);
    if (!tokens?.refreshToken) return;
    const inMs = Math.max(5_000, tokens.expiresAt - Date.now() - 60_000);
    this.timer = setTimeout(() => void this.refresh(), inMs);
  }

  /**
   * Starts the sign-in. In a browser this leaves the page; in Electron it resolves signed in.
   * `loginHint` (OIDC `login_hint`) prefills the issuer's username field, e.g. the first admin's email.
   */
  async signIn(returnTo = globalThis.location?.hash ?? '', options: { loginHint?: string } = {}): Promise<void> {
    // PKCE needs Web Crypto, which browsers give secure pages only (HTTPS, localhost, the app's own scheme).
    if (!globalThis.crypto?.subtle) {
      throw new Error(
        `signing in needs a secure page, and ${globalThis.location?.origin ?? 'this page'} is plain HTTP: ` +
          'open the console over HTTPS (the stack with TLS external, behind a proxy with a certificate), at localhost, or in the desktop app',
      );
    }
    const as = await this.authorizationServer();
    const bridge = desktopBridge();
    let redirectUri = `${globalThis.location.origin}/console/`;
    if (bridge) {
      const loopback = await bridge['auth:prepareLoopback']();
      if ('error' in loopback) throw new Error(loopback.error.message);
      redirectUri = loopback.result.redirectUri;
    }
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: this.config.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: SCOPE,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(options.loginHint ? { login_hint: options.loginHint } : {}),
    }).toString();
    const pending: Pending = { state, verifier, redirectUri, returnTo };
    if (!bridge) {
      this.storage.setItem(PENDING, JSON.stringify(pending));
      globalThis.location.assign(url.href);
      return;
    }
    const answer = await bridge['auth:authorize'](url.href);
    if ('error' in answer) throw new Error(answer.error.message);
    await this.finish(new URL(answer.result.callbackUrl), pending);
  }

  /**
   * On page load in the browser: when the URL carries the issuer's answer, exchanges the code and
   * cleans the URL. Returns where the user was before signing in, or undefined when not a callback.
   */
  async completeRedirect(current: URL = new URL(globalThis.location.href)): Promise<string | undefined> {
    if (!current.searchParams.has('code') && !current.searchParams.has('error')) return undefined;
    const raw = this.storage.getItem(PENDING);
    this.storage.removeItem(PENDING);
    globalThis.history?.replaceState(null, '', `${current.pathname}${current.hash}`);
    if (!raw) throw new Error('this sign-in was not started here; sign in again');
    const pending = JSON.parse(raw) as Pending;
    await this.finish(current, pending);
    return pending.returnTo;
  }

  private async finish(callback: URL, pending: Pending): Promise<void> {
    const as = await this.authorizationServer();
    const params = oauth.validateAuthResponse(as, this.client, callback, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      this.client,
      oauth.None(),
      params,
      pending.redirectUri,
      pending.verifier,
      this.options(),
    );
    const result = await oauth.processAuthorizationCodeResponse(as, this.client, response);
    await this.save(this.tokensOf(result));
  }

  private tokensOf(result: oauth.TokenEndpointResponse, previous?: Partial<Tokens>): Tokens {
    const claims = result.id_token ? oauth.getValidatedIdTokenClaims(result) : undefined;
    return {
      accessToken: result.access_token,
      ...(result.refresh_token || previous?.refreshToken
        ? { refreshToken: result.refresh_token ?? previous?.refreshToken }
        : {}),
      ...(result.id_token || previous?.idToken ? { idToken: result.id_token ?? previous?.idToken } : {}),
      expiresAt: Date.now() + (result.expires_in ?? 300) * 1000,
      ...(claims?.sub || previous?.subject ? { subject: claims?.sub ?? previous?.subject } : {}),
    };
  }

  /** Renews the access token with the refresh token; signs out when the issuer refuses. */
  refresh(): Promise<Tokens | undefined> {
    this.refreshing ??= (async () => {
      const current = this.tokens() ?? (this.refreshToken ? { refreshToken: this.refreshToken } : undefined);
      if (!current?.refreshToken) return undefined;
      try {
        const as = await this.authorizationServer();
        const response = await oauth.refreshTokenGrantRequest(
          as,
          this.client,
          oauth.None(),
          current.refreshToken,
          this.options(),
        );
        const result = await oauth.processRefreshTokenResponse(as, this.client, response);
        const tokens = this.tokensOf(result, current);
        await this.save(tokens);
        return tokens;
      } catch {
        await this.save(undefined);
        return undefined;
      }
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** A valid access token, renewed first when it is about to expire. */
  async accessToken(): Promise<string | undefined> {
    const tokens = this.tokens();
    if (!tokens) return undefined;
    if (tokens.expiresAt - Date.now() < 30_000) return (await this.refresh())?.accessToken;
    return tokens.accessToken;
  }

  /** Resumes the refresh timer after a reload. */
  resume(): void {
    this.scheduleRefresh(this.tokens());
  }

  /** Forgets the tokens, then ends the issuer's session (in a browser, by going there). */
  async signOut(): Promise<void> {
    const idToken = this.tokens()?.idToken;
    await this.save(undefined);
    const as = await this.authorizationServer().catch(() => undefined);
    if (!as?.end_session_endpoint || desktopBridge()) return;
    const url = new URL(as.end_session_endpoint);
    url.searchParams.set('client_id', this.config.clientId);
    url.searchParams.set('post_logout_redirect_uri', `${globalThis.location.origin}/console/`);
    if (idToken) url.searchParams.set('id_token_hint', idToken);
    globalThis.location.assign(url.href);
  }
}
