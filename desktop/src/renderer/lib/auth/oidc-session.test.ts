import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcSession, type RefreshTokenVault } from './oidc-session.ts';

/** sessionStorage's interface over a Map. */
function memoryStorage(): Storage & { dump(): Record<string, string> } {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
    dump: () => Object.fromEntries(items),
  };
}

/** Main's secret store as the renderer sees it through the preload. */
function memoryVault(initial: string | null) {
  const calls: string[] = [];
  let kept = initial;
  const vault: RefreshTokenVault = {
    restore: async () => kept,
    remember: async (token) => {
      calls.push(`remember ${token}`);
      kept = token;
    },
    forget: async () => {
      calls.push('forget');
      kept = null;
    },
  };
  return { vault, calls, kept: () => kept };
}

/** An issuer's discovery document and token endpoint: refresh grants for `good-*` tokens only. */
let issuer: Server;
let issuerUrl = '';
let grants = 0;
beforeAll(async () => {
  issuer = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: issuerUrl,
          authorization_endpoint: `${issuerUrl}/auth`,
          token_endpoint: `${issuerUrl}/token`,
        }),
      );
      return;
    }
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const token = form.get('refresh_token') ?? '';
      if (form.get('grant_type') !== 'refresh_token' || !token.startsWith('good-')) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant' }));
        return;
      }
      grants++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          access_token: `access-${grants}`,
          token_type: 'Bearer',
          expires_in: 300,
          refresh_token: `good-rotated-${grants}`,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve));
  issuerUrl = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => issuer.close(() => resolve()));
});

const config = () => ({ issuer: issuerUrl, clientId: 'speaknode-desktop' });

describe('OidcSession with main’s refresh token vault (Electron)', () => {
  it('signs in again after a restart with the kept refresh token, keeps the rotated one in main only', async () => {
    const storage = memoryStorage();
    const { vault, calls, kept } = memoryVault('good-from-last-run');
    const session = new OidcSession(config(), storage, vault);
    expect(await session.restore()).toBe(true);
    expect(await session.accessToken()).toMatch(/^access-\d+$/);
    expect(kept()).toMatch(/^good-rotated-\d+$/);
    expect(calls).toEqual([`remember ${kept()}`]);
    // Web storage has the access token and never the refresh token.
    expect(JSON.stringify(storage.dump())).not.toContain('good-');
    expect(session.tokens()?.refreshToken).toBe(kept());
    session.resume();
    await session.signOut();
    expect(calls.at(-1)).toBe('forget');
    expect(kept()).toBeNull();
    expect(storage.dump()).toEqual({});
  });

  it('after a reload in the same window, takes the refresh token back from main', async () => {
    const storage = memoryStorage();
    storage.setItem(
      'speaknode.tokens',
      JSON.stringify({ accessToken: 'still-valid', expiresAt: Date.now() + 600_000 }),
    );
    const { vault } = memoryVault('good-kept');
    const session = new OidcSession(config(), storage, vault);
    expect(await session.restore()).toBe(true);
    expect(await session.accessToken()).toBe('still-valid');
    expect(session.tokens()?.refreshToken).toBe('good-kept');
  });

  it('forgets a refresh token the issuer refuses and stays signed out', async () => {
    const storage = memoryStorage();
    const { vault, calls, kept } = memoryVault('revoked-token');
    const session = new OidcSession(config(), storage, vault);
    expect(await session.restore()).toBe(false);
    expect(session.tokens()).toBeUndefined();
    expect(calls).toEqual(['forget']);
    expect(kept()).toBeNull();
  });

  it('with nothing kept, stays signed out without asking the issuer', async () => {
    const before = grants;
    const session = new OidcSession(config(), memoryStorage(), memoryVault(null).vault);
    expect(await session.restore()).toBe(false);
    expect(grants).toBe(before);
  });
});

describe('OidcSession in a browser (no vault)', () => {
  it('keeps the tokens, refresh token included, in sessionStorage as before', async () => {
    const storage = memoryStorage();
    storage.setItem(
      'speaknode.tokens',
      JSON.stringify({ accessToken: 'old', refreshToken: 'good-browser', expiresAt: Date.now() - 1 }),
    );
    const session = new OidcSession(config(), storage, undefined);
    expect(await session.restore()).toBe(true);
    expect(await session.accessToken()).toMatch(/^access-\d+$/);
    expect(JSON.parse(storage.getItem('speaknode.tokens')!).refreshToken).toMatch(/^good-rotated-\d+$/);
  });
});
