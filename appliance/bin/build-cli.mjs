// Compiles the `speaknode` command to one plain-JavaScript module, dist/speaknode.mjs: our TypeScript
// (the CLI and the workspaces it imports) bundled, third-party packages left to Node's resolution
// from node_modules. Started this way the command needs no TypeScript loader (tsx alone takes about
// 0.4 s to start), which is what keeps `speaknode status --json` within 300 ms.
// dist/speaknode.inputs.json lists the sources, so bin/speaknode.js can tell a stale bundle.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const PACKAGE_DIR = resolve(here, '..');
export const BUNDLE = join(PACKAGE_DIR, 'dist', 'speaknode.mjs');
export const STATUS_BUNDLE = join(PACKAGE_DIR, 'dist', 'status.mjs');
export const INPUTS = join(PACKAGE_DIR, 'dist', 'speaknode.inputs.json');

export async function buildCli() {
  const { build } = await import('esbuild');
  const external = {
    name: 'third-party-external',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) =>
        args.path.startsWith('@speaknode/') ? undefined : { path: args.path, external: true },
      );
    },
  };
  const staging = join(PACKAGE_DIR, 'dist', `.build-${process.pid}`);
  await mkdir(staging, { recursive: true });
  try {
    const result = await build({
      // The command, and the fast `status` (Node built-ins only: see src/cli/status-fast.ts).
      entryPoints: {
        speaknode: join(PACKAGE_DIR, 'src/cli/entry.ts'),
        status: join(PACKAGE_DIR, 'src/cli/status-fast.ts'),
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      metafile: true,
      logLevel: 'silent',
      plugins: [external],
    });
    const inputs = Object.keys(result.metafile.inputs).map((p) => relative(PACKAGE_DIR, resolve(process.cwd(), p)));
    await writeFile(join(staging, 'inputs.json'), `${JSON.stringify({ inputs }, null, 1)}\n`);
    // The inputs list last: a `speaknode` started meanwhile finds the new bundles stale-checked against it.
    await rename(join(staging, 'status.mjs'), STATUS_BUNDLE);
    await rename(join(staging, 'speaknode.mjs'), BUNDLE);
    await rename(join(staging, 'inputs.json'), INPUTS);
    return { bundle: BUNDLE, inputs: inputs.length };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { bundle, inputs } = await buildCli();
  console.log(`wrote ${bundle} (${inputs} sources)`);
}
