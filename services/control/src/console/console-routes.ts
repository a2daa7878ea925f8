import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { RouteModule } from '../routes/route-module.ts';

/** The console's web build in this repository (`npm run build:web -w @speaknode/desktop`). */
const REPOSITORY_CONSOLE_DIR = fileURLToPath(new URL('../../../../desktop/out/web/', import.meta.url));

/**
 * Same origin as the API, so no CORS; the page may load only its own files and talk only to this
 * site, and to the LiveKit server when one is configured (the Testing page's voice: its signalling
 * WebSocket, and the HTTP validation livekit-client makes when that fails).
 */
export function consoleCsp(livekitClientUrl?: string): string {
  let livekit = '';
  if (livekitClientUrl) {
    const ws = new URL(livekitClientUrl);
    const http = new URL(livekitClientUrl.replace(/^ws(s?):/, 'http$1:'));
    livekit = ` ${ws.protocol}//${ws.host} ${http.protocol}//${http.host}`;
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self'${livekit}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * Serves the console's web build at `/console/` (static files, and index.html for every page path
 * so deep links load the app) and `/console/config.json` (issuer and client id for its sign-in, and
 * the LiveKit URL voice tests join, or null when LiveKit is not configured).
 * When the build is missing it says how to make it.
 */
export const consoleRoutes: RouteModule = {
  name: 'console',
  mount: 'public',
  router(ctx) {
    const dir = ctx.config.SPEAKNODE_CONSOLE_DIR ?? REPOSITORY_CONSOLE_DIR;
    const router = Router();
    const csp = consoleCsp(ctx.livekit?.clientUrl);
    router.use('/console', (_req, res, next) => {
      res.setHeader('content-security-policy', csp);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
      next();
    });
    // Routing is not strict, so `/console/` matches here too: only the bare path redirects.
    router.get('/console', (req, res, next) => {
      if (req.originalUrl.split('?')[0] !== '/console') return next();
      res.redirect(301, '/console/');
    });
    // Where the console signs in: control's issuer and the console's public client there.
    router.get('/console/config.json', (_req, res) => {
      res.setHeader('cache-control', 'no-cache');
      res.json({
        issuer: ctx.verifier.issuer,
        clientId: ctx.config.SPEAKNODE_CONSOLE_CLIENT_ID ?? 'speaknode-console',
        livekitUrl: ctx.livekit?.clientUrl ?? null,
      });
    });
    router.use('/console', express.static(dir, { index: 'index.html', redirect: false, fallthrough: true }));
    router.get('/console/{*page}', (req, res) => {
      // Files (a dot in the last segment) that are not there are 404s; page paths get the app.
      if (/\.[a-z0-9]+$/i.test(req.path) || !existsSync(`${dir}/index.html`)) {
        res
          .status(404)
          .type('text/plain')
          .send(
            existsSync(`${dir}/index.html`)
              ? 'Not found'
              : 'The console is not built: run `npm run build:web -w @speaknode/desktop`.',
          );
        return;
      }
      res.setHeader('cache-control', 'no-cache');
      res.sendFile('index.html', { root: dir });
    });
    return router;
  },
};
