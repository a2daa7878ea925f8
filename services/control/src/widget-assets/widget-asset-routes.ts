/**
 * Serves the built `<speaknode-agent>` element at `/widget/v1/`: the entry module, its lazily loaded
 * voice chunk and `manifest.json` (file names, SRI hashes, sizes; the console's embed snippet takes
 * the entry's integrity from it). Only the files the manifest lists are served, read once at start.
 *
 * Customer pages load the module from their own origin, so it is served for any origin (module
 * scripts and `integrity` need CORS), with `Cross-Origin-Resource-Policy: cross-origin` for pages
 * that set COEP. The stable `speaknode-agent.js` (the documented URL) is cached briefly, as its bytes
 * change with a release; the same bytes under their content-hashed name (the manifest's
 * `versionedEntry`, the embed snippet's `src` with its `integrity`) and the voice chunk (hashed too)
 * are cached as immutable; the manifest is not cached.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WIDGET_PATH, WidgetManifest } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { type Response, Router } from 'express';
import type { RouteModule } from '../routes/route-module.ts';

interface WidgetFiles {
  manifest: string;
  /** The stable name (`speaknode-agent.js`), whose bytes change with a release. */
  entry: string;
  scripts: Map<string, Buffer>;
}

/** The stable entry name: a page that uses it picks up a new release within this time. */
export const ENTRY_CACHE_CONTROL = 'public, max-age=300';
/** The content-hashed names (the versioned entry, the voice chunk): their bytes never change. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** The widget's dist folder: SPEAKNODE_WIDGET_DIR, else the installed @speaknode/web-widget package's. */
export function widgetDirectory(configured: string | undefined): string {
  if (configured) return configured;
  const packageJson = createRequire(import.meta.url).resolve('@speaknode/web-widget/package.json');
  return join(dirname(packageJson), 'dist');
}

/** The built files, or why there are none (the route then answers 503 saying so). */
export function loadWidgetFiles(directory: string): WidgetFiles | string {
  let manifest: WidgetManifest;
  try {
    manifest = WidgetManifest.parse(JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')));
  } catch (error) {
    return `the widget is not built in ${directory} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): run npm run build -w @speaknode/web-widget, or set SPEAKNODE_WIDGET_DIR`;
  }
  const scripts = new Map<string, Buffer>();
  for (const name of Object.keys(manifest.files)) scripts.set(name, readFileSync(join(directory, name)));
  return { manifest: JSON.stringify(manifest), entry: manifest.entry, scripts };
}

function shared(res: Response): Response {
  return res.set({
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'X-Content-Type-Options': 'nosniff',
  });
}

export const widgetAssetRoutes: RouteModule = {
  name: 'widget-assets',
  mount: 'public',
  router(ctx) {
    const router = Router();
    let files: WidgetFiles | string | undefined;
    const current = () => {
      files ??= loadWidgetFiles(widgetDirectory(ctx.config.SPEAKNODE_WIDGET_DIR));
      // A missing build is looked for again on the next request (a trial may build it meanwhile).
      if (typeof files === 'string') {
        const reason = files;
        files = undefined;
        throw HttpProblem.unavailable(reason);
      }
      return files;
    };
    router.get(`${WIDGET_PATH}manifest.json`, (_req, res) => {
      shared(res).set('Cache-Control', 'no-cache').type('application/json').send(current().manifest);
    });
    router.get(`${WIDGET_PATH}:file`, (req, res) => {
      const widget = current();
      const name = String(req.params.file);
      const script = widget.scripts.get(name);
      if (!script) throw HttpProblem.notFound('no such widget file');
      shared(res)
        .set('Cache-Control', name === widget.entry ? ENTRY_CACHE_CONTROL : IMMUTABLE_CACHE_CONTROL)
        .type('text/javascript; charset=utf-8')
        .send(script);
    });
    return router;
  },
};
