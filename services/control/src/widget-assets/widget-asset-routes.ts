/**
 * Serves the built `<speaknode-agent>` element at `/widget/v1/`: the entry module, its lazily loaded
 * voice chunk and `manifest.json` (file names, SRI hashes, sizes; the console's embed snippet takes
 * the entry's integrity from it). Only the files the manifest lists are served, read once at start.
 *
 * Customer pages load the module from their own origin, so it is served for any origin (module
 * scripts and `integrity` need CORS), with `Cross-Origin-Resource-Policy: cross-origin` for pages
 * that set COEP. The scripts are cached as immutable; the manifest is not.
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
  scripts: Map<string, Buffer>;
}

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
  return { manifest: JSON.stringify(manifest), scripts };
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
      const script = current().scripts.get(String(req.params.file));
      if (!script) throw HttpProblem.notFound('no such widget file');
      shared(res)
        .set('Cache-Control', 'public, max-age=31536000, immutable')
        .type('text/javascript; charset=utf-8')
        .send(script);
    });
    return router;
  },
};
