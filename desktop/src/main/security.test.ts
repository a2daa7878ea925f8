import type { WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, hardenWebContents, isAppUrl, secureWebPreferences } from './security.ts';

describe('renderer security settings', () => {
  it('isolates and sandboxes the renderer, without Node', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({
      preload: '/p.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('trusts only the app origin', () => {
    expect(isAppUrl('app://console/index.html#/agents')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('http://127.0.0.1:8080/console/')).toBe(false);
    expect(isAppUrl('')).toBe(false);
  });

  it('lets the page connect only to itself and the control site', () => {
    const csp = contentSecurityPolicy('http://127.0.0.1:8080/');
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:8080;");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-eval');
    // With LiveKit configured at control, its WebSocket and HTTP origins too (voice tests), nothing else.
    expect(contentSecurityPolicy('http://127.0.0.1:8080/', 'wss://lk.example.com/')).toContain(
      "connect-src 'self' http://127.0.0.1:8080 wss://lk.example.com https://lk.example.com;",
    );
  });

  it('denies new windows (links go to the system browser) and navigation off the app', () => {
    let openHandler: ((details: { url: string }) => { action: string }) | undefined;
    const listeners = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
    const contents = {
      setWindowOpenHandler: (handler: typeof openHandler) => {
        openHandler = handler;
      },
      on: (name: string, listener: (event: { preventDefault(): void }, url?: string) => void) => {
        listeners.set(name, listener);
      },
    } as unknown as WebContents;
    const external: string[] = [];
    hardenWebContents(contents, (url) => external.push(url));
    expect(openHandler!({ url: 'https://docs.example.com/' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(external).toEqual(['https://docs.example.com/']);
    const navigate = (name: string, url: string) => {
      let prevented = false;
      listeners.get(name)!(
        {
          preventDefault: () => {
            prevented = true;
          },
        },
        url,
      );
      return prevented;
    };
    expect(navigate('will-navigate', 'https://evil.example.com/')).toBe(true);
    expect(navigate('will-navigate', 'app://console/index.html#/calls')).toBe(false);
    expect(navigate('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
    expect(navigate('will-attach-webview', '')).toBe(true);
  });
});
