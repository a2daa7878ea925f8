import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { EventSink } from '../supervisor/events.ts';
import { bundleService } from './bundle.ts';
import { buildArgs, dockerfilePath, NODE_BASE_IMAGE, type ServiceImage, type WebBuild } from './service-images.ts';

export interface BuildOptions {
  docker: Docker;
  repoRoot: string;
  images: readonly ServiceImage[];
  /** image name → tag (`speaknode/control:0.1.0`). */
  tagOf: (name: string) => string;
  /** Where each image's context is staged (`<stagingDir>/<name>`). */
  stagingDir: string;
  /** Replaces the Dockerfiles' pinned base (a mirror's copy, or a local image). */
  base?: string;
  onEvent?: EventSink;
}

export interface BuiltImage {
  name: string;
  tag: string;
  id: string;
  bundleBytes: number;
  packages: number;
  durationMs: number;
}

interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** The staged folder as a tar stream (the Engine API's build context). */
function tarOf(dir: string): Readable {
  const tar = spawn('tar', ['-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  tar.on('exit', (code) => {
    if (code !== 0) tar.stdout!.destroy(new Error(`tar of ${dir} failed: ${stderr.trim()}`));
  });
  return tar.stdout!;
}

/** Runs a workspace's npm script in the checkout (the console's and the widget's browser builds). */
function runScript(repoRoot: string, build: WebBuild): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', build.script, '--workspace', build.workspace], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`npm run ${build.script} in ${build.workspace} failed (exit ${code}):\n${output.trim()}`));
    });
  });
}

/** What the checkout must hold for this image (onnxruntime's native libraries), each missing file named with its fix. */
export function missingRequirements(repoRoot: string, image: ServiceImage): string[] {
  return (image.requires ?? [])
    .filter((required) => !existsSync(join(repoRoot, required.path)))
    .map((required) => `${required.path} is missing: ${required.fix}`);
}

/**
 * Compiles each service (esbuild, from the checkout's node_modules) and builds its image on the
 * engine, one at a time, reporting every build step. Nothing is fetched: the base must be on the
 * engine (or reachable by its registry) and the packages come from the checkout.
 */
export async function buildServiceImages(options: BuildOptions): Promise<BuiltImage[]> {
  const emit = options.onEvent ?? (() => {});
  const built: BuiltImage[] = [];
  for (const image of options.images) {
    const t0 = Date.now();
    const tag = options.tagOf(image.name);
    const dir = join(options.stagingDir, image.name);
    const missing = missingRequirements(options.repoRoot, image);
    if (missing.length > 0) throw new Error(`cannot build ${tag}: ${missing.join('; ')}`);
    emit({ type: 'image-build', image: tag, step: 'compiling', detail: image.entries.join(', ') });
    const bundle = await bundleService(options.repoRoot, image, dir);
    // Browser builds the service serves, made from the checkout and staged under web/ (empty otherwise:
    // the one Dockerfile copies the folder for every image).
    await rm(join(dir, 'web'), { recursive: true, force: true });
    await mkdir(join(dir, 'web'), { recursive: true });
    for (const web of image.web ?? []) {
      emit({ type: 'image-build', image: tag, step: 'compiling', detail: `npm run ${web.script} in ${web.workspace}` });
      await runScript(options.repoRoot, web);
      await cp(join(options.repoRoot, web.output), join(dir, 'web', web.target), { recursive: true });
    }
    emit({
      type: 'image-build',
      image: tag,
      step: 'compiled',
      detail: `${bundle.entries.length} bundles, ${bundle.packages.length} packages, ${Math.round(bundle.bytes / 1e6)} MB`,
    });
    await mkdir(dir, { recursive: true });
    await copyFile(dockerfilePath(options.repoRoot), join(dir, 'Dockerfile'));
    await copyFile(
      join(options.repoRoot, 'appliance', 'images', 'docker-entrypoint.sh'),
      join(dir, 'docker-entrypoint.sh'),
    );
    const stream = (await options.docker.buildImage(tarOf(dir), {
      t: tag,
      rm: true,
      forcerm: true,
      buildargs: buildArgs(image, options.base ?? NODE_BASE_IMAGE),
      labels: { 'io.speaknode.image': image.name },
    })) as unknown as Readable;
    let id = '';
    await new Promise<void>((resolve, reject) => {
      options.docker.modem.followProgress(
        stream,
        (error: Error | null, output: BuildMessage[]) => {
          const failed = error?.message ?? output.find((m) => m.error)?.error;
          if (failed) reject(new Error(`building ${tag} failed: ${failed.trim()}`));
          else resolve();
        },
        (message: BuildMessage) => {
          if (message.aux?.ID) id = message.aux.ID;
          const text = message.stream?.trim();
          if (text && /^Step \d+\/\d+ :/.test(text))
            emit({ type: 'image-build', image: tag, step: 'step', detail: text });
        },
      );
    });
    const durationMs = Date.now() - t0;
    emit({ type: 'image', image: tag, action: 'built' });
    built.push({ name: image.name, tag, id, bundleBytes: bundle.bytes, packages: bundle.packages.length, durationMs });
  }
  return built;
}
