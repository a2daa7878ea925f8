import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The desktop app's sign-in redirect (RFC 8252 §7.3): a one-shot HTTP listener on 127.0.0.1 and a
 * free port. It takes one request to `/callback`, answers a page that says to go back to the app,
 * and resolves with the full callback URL (code and state are checked by the renderer's OIDC
 * client). It closes after that request, or when `close()` is called, or on timeout.
 */
export class LoopbackRedirect {
  private constructor(
    private readonly server: Server,
    readonly redirectUri: string,
    private readonly callback: Promise<string>,
  ) {}

  static async start(timeoutMs = 5 * 60_000): Promise<LoopbackRedirect> {
    let settle!: { resolve: (url: string) => void; reject: (error: Error) => void };
    const callback = new Promise<string>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'GET' || url.pathname !== '/callback') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(
        '<!doctype html><title>Speaknode</title><p>Signed in. You can close this tab and go back to Speaknode.</p>',
      );
      settle.resolve(`${redirectUri}${url.search}`);
      server.close();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
    const timer = setTimeout(() => {
      settle.reject(new Error('sign-in timed out: the browser did not come back'));
      server.close();
    }, timeoutMs);
    timer.unref();
    void callback.finally(() => clearTimeout(timer)).catch(() => {});
    return new LoopbackRedirect(server, redirectUri, callback);
  }

  /** The callback URL, once the browser comes back. */
  waitForCallback(): Promise<string> {
    return this.callback;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}
