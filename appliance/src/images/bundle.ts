/**
 * Compiles one service to plain JavaScript for its image: each entry point becomes one esbuild
 * bundle holding our TypeScript (the service and the workspaces it imports), placed at its source's
 * path with `.js`; third-party packages stay external and are copied, with everything they depend
 * on, from the workspace's installed node_modules. Files our code finds beside itself
 * (`new URL('../migrations', import.meta.url)`) are copied to the same relative place, and
 * `import.meta.url` in each bundled module is rewritten to the module's own place in that layout, so
 * the code finds them exactly as it does in a checkout.
 */

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { bundlePath, type ServiceImage } from './service-images.ts';

const run = promisify(execFile);

export interface BundleResult {
  /** The staging directory: `app/` (our compiled code), `deps/` (node_modules trees), both for /opt/speaknode/app. */
  dir: string;
  entries: string[];
  /** Third-party packages copied into app/node_modules. */
  packages: string[];
  /** Files and folders our code reads beside itself. */
  assets: string[];
  bytes: number;
}

/** `new URL('<relative literal>', import.meta.url)`: a file our code reads beside itself. */
const SIBLING_URL = /new URL\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The folder Node would load `name` from, looking up from `fromDir` (its node_modules, then its parents'). */
function findPackage(name: string, fromDir: string, top?: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir || dir === top) return undefined;
  }
}

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Platform binaries a linux/amd64 image never loads (onnxruntime-node ships every platform's). */
async function prunePlatforms(packageDir: string): Promise<void> {
  if (!packageDir.endsWith(`${sep}onnxruntime-node`)) return;
  const bin = join(packageDir, 'bin');
  if (!existsSync(bin)) return;
  for (const napi of readdirSync(bin)) {
    for (const other of ['darwin', 'win32', join('linux', 'arm64')]) {
      await rm(join(bin, napi, other), { recursive: true, force: true });
    }
  }
}

/** A copy made of hard links where the file system allows (the staging folder is thrown away, never written through). */
async function linkCopy(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await run('cp', ['-al', from, to]);
  } catch {
    await rm(to, { recursive: true, force: true });
    await cp(from, to, { recursive: true, dereference: true });
  }
}

function sizeOf(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += sizeOf(join(path, entry));
  return total;
}

export async function bundleService(repoRoot: string, image: ServiceImage, outDir: string): Promise<BundleResult> {
  const root = resolve(repoRoot);
  const appDir = join(outDir, 'app');
  // Third-party packages apart: their Docker layer stays cached while only our code changes.
  const depsDir = join(outDir, 'deps');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(appDir, { recursive: true });
  await mkdir(depsDir, { recursive: true });

  // Per bundle: the packages its code imports and where Node finds each from the importing file.
  // `resolveFrom`: the folder in the image that Node resolves the name from.
  const externals: { resolveFrom: string; name: string; truth: string }[] = [];
  const assets = new Set<string>();

  const plugin = (outfile: string): Plugin => ({
    name: 'speaknode-image',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:') || args.path.startsWith('@speaknode/')) return undefined;
        const name = packageName(args.path);
        const truth = findPackage(name, dirname(args.importer));
        if (!truth) return undefined; // esbuild names the missing package
        externals.push({ resolveFrom: dirname(outfile), name, truth });
        return { path: args.path, external: true };
      });
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        let source = await readFile(args.path, 'utf8');
        const mirrored = join(appDir, relative(root, args.path));
        // Packages loaded at run time rather than imported: `require('x')` of a createRequire
        // (resolved from the module's own place) and `import.meta.resolve('x')` (from the bundle's).
        for (const [pattern, resolveFrom] of [
          [/\brequire(?:\.resolve)?\(\s*(['"])([^'"./][^'"]*)\1\s*\)/g, dirname(mirrored)],
          [/import\.meta\.resolve\(\s*(['"])([^'"./][^'"]*)\1\s*\)/g, dirname(outfile)],
        ] as const) {
          for (const match of source.matchAll(pattern)) {
            const name = packageName(match[2]!);
            if (name.startsWith('node:') || name.startsWith('@speaknode/')) continue;
            const truth = findPackage(name, dirname(args.path));
            if (truth) externals.push({ resolveFrom, name, truth });
          }
        }
        source = source.replace(SIBLING_URL, (match, quote: string, target: string) => {
          const absolute = resolve(dirname(args.path), target);
          if (target.endsWith('.ts'))
            return `new URL(${quote}${target.replace(/\.ts$/, '.js')}${quote}, import.meta.url)`;
          const asset = relative(root, absolute);
          // A browser build the image stages under web/ itself (the console's, found beside control).
          const staged = image.web?.some((web) => asset === web.output || asset.startsWith(`${web.output}${sep}`));
          if (existsSync(absolute) && !staged) assets.add(asset);
          return match;
        });
        // This module's own place in the image's layout, seen from the bundle it ends up in.
        const own = relative(dirname(outfile), join(appDir, bundlePath(relative(root, args.path))));
        source = source.replace(
          /import\.meta\.url/g,
          `new URL(${JSON.stringify(own.startsWith('.') ? own : `./${own}`)}, import.meta.url).href`,
        );
        return { contents: source, loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  });

  for (const entry of image.entries) {
    const outfile = join(appDir, bundlePath(entry));
    await build({
      entryPoints: [join(root, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
      plugins: [plugin(outfile)],
      absWorkingDir: root,
    });
  }

  for (const asset of assets) {
    await cp(join(root, asset), join(appDir, asset), { recursive: true });
  }

  // Third-party packages keep the checkout's layout (root and workspace node_modules), so each finds
  // its own dependencies exactly as installed. Bundled code imports from the bundle's place, not its
  // source's: where that would reach another copy (a workspace-local version), that copy is placed
  // in the bundle's workspace, in front of the root's.
  const placed = new Map<string, string>(); // path under app/ → installed folder
  const conflicts: string[] = [];
  const place = (hostDir: string, imagePath: string) => {
    const previous = placed.get(imagePath);
    if (previous && previous !== hostDir)
      conflicts.push(`${imagePath}: ${relative(root, previous)} and ${relative(root, hostDir)}`);
    placed.set(imagePath, hostDir);
  };
  const hostPath = (imageDir: string) => join(root, relative(appDir, imageDir));
  const seen = new Set<string>();
  const walk = (hostDir: string) => {
    if (seen.has(hostDir)) return;
    seen.add(hostDir);
    const pkg = JSON.parse(readFileSync(join(hostDir, 'package.json'), 'utf8')) as PackageJson;
    const optional = new Set([
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}).filter((d) => pkg.peerDependenciesMeta?.[d]?.optional !== false),
    ]);
    for (const dependency of new Set([...Object.keys(pkg.dependencies ?? {}), ...optional])) {
      const found = findPackage(dependency, hostDir);
      if (!found) {
        if (optional.has(dependency)) continue;
        throw new Error(`${image.name}: ${dependency} (a dependency of ${pkg.name}) is not installed; run npm ci`);
      }
      // Inside this package's own node_modules: copied with it.
      if (!found.startsWith(hostDir + sep)) place(found, relative(root, found));
      walk(found);
    }
  };
  for (const { resolveFrom, name, truth } of externals) {
    const fromThere = findPackage(name, hostPath(resolveFrom));
    if (fromThere === truth) place(truth, relative(root, truth));
    else place(truth, join(image.workspace, 'node_modules', name));
    walk(truth);
  }
  if (conflicts.length > 0) {
    throw new Error(
      `${image.name}: two versions of a package would take one place in the image: ${conflicts.join('; ')}`,
    );
  }
  for (const [imagePath, hostDir] of placed) {
    await linkCopy(hostDir, join(depsDir, imagePath));
    await prunePlatforms(join(depsDir, imagePath));
  }
  // What the image resolves must be what the checkout resolves: same package, same version.
  const versionOf = (dir: string | undefined) =>
    dir ? (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version : 'missing';
  const mismatches: string[] = [];
  for (const { resolveFrom, name, truth } of externals) {
    const inImage = findPackage(name, join(depsDir, relative(appDir, resolveFrom)), depsDir);
    if (versionOf(inImage) !== versionOf(truth)) {
      mismatches.push(
        `${name} from ${relative(appDir, resolveFrom)}: ${versionOf(inImage)}, installed ${versionOf(truth)}`,
      );
    }
  }
  if (mismatches.length > 0)
    throw new Error(`${image.name}: the image would load other versions: ${mismatches.join('; ')}`);
  const copied = [...new Set([...placed.keys()])];

  await writeFile(
    join(appDir, 'package.json'),
    `${JSON.stringify({ name: `@speaknode/${image.name}-image`, private: true, type: 'module' }, null, 2)}\n`,
  );
  return {
    dir: outDir,
    entries: image.entries.map(bundlePath),
    packages: copied.sort(),
    assets: [...assets].sort(),
    bytes: sizeOf(appDir) + (existsSync(depsDir) ? sizeOf(depsDir) : 0),
  };
}
