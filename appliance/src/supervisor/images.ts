import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { EventSink } from './events.ts';
import { checkAborted, OperationAborted } from './operation-queue.ts';

const run = promisify(execFile);

export async function imagePresent(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

interface ProgressMessage {
  id?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
}

/**
 * Pulls one image, reporting progress per layer. Fails with what to do when no registry is reachable.
 * `signal` ends a pull in flight (its response stream is closed) with `OperationAborted`.
 */
export async function pullImage(
  docker: Docker,
  image: string,
  onEvent: EventSink,
  signal?: AbortSignal,
  operation = 'pull',
): Promise<void> {
  checkAborted(signal, operation);
  onEvent({ type: 'image', image, action: 'pulling' });
  let stream: Readable;
  try {
    stream = (await docker.pull(image)) as Readable;
  } catch (error) {
    throw new Error(
      `could not pull ${image}: ${(error as Error).message}. If this server has no registry access, ` +
        'load the offline bundle: `speaknode up --bundle <file>`',
    );
  }
  const abort = () => stream.destroy();
  signal?.addEventListener('abort', abort, { once: true });
  await new Promise<void>((resolve, reject) => {
    // A destroyed stream may end without an error: the signal says it was cancelled.
    stream.once('close', () => {
      if (signal?.aborted) reject(new OperationAborted(operation));
    });
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: ProgressMessage[]) => {
        if (signal?.aborted) return reject(new OperationAborted(operation));
        const failed = error?.message ?? output.find((m) => m.error)?.error;
        if (failed) reject(new Error(`pulling ${image} failed: ${failed}`));
        else resolve();
      },
      (message: ProgressMessage) => {
        if (message.id && message.status) {
          onEvent({
            type: 'pull-progress',
            image,
            layer: message.id,
            status: message.status,
            current: message.progressDetail?.current,
            total: message.progressDetail?.total,
          });
        }
      },
    );
  }).finally(() => signal?.removeEventListener('abort', abort));
  onEvent({ type: 'image', image, action: 'pulled' });
}

/** Where model files sit inside the bundle's tarball (beside `docker save`'s own entries, which `docker load` reads). */
export const BUNDLE_MODELS_DIR = 'speaknode-models';

/**
 * `<bundle>.json` beside the tarball: which images, the tarball's size and SHA-256, and the model
 * files it carries (the models host's folder as is, its own manifest.json included), each with its
 * size and SHA-256.
 */
export interface BundleManifest {
  format: 1;
  created: string;
  tarball: string;
  images: string[];
  bytes: number;
  sha256: string;
  models?: { dir: typeof BUNDLE_MODELS_DIR; files: Record<string, { bytes: number; sha256: string }> };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
    else throw new Error(`${path} is neither a file nor a folder: the models folder may hold only files`);
  }
  return out.sort();
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export function manifestPathFor(tarball: string): string {
  return `${tarball.replace(/\.tar$/, '')}.json`;
}

/**
 * Writes `docker save` of the images into `tarball`, and the manifest with its checksum. With
 * `modelsDir` (the models host's folder, with its manifest.json), its files are appended under
 * `speaknode-models/`, owned by uid 1000 (the models host's user).
 */
export async function writeBundle(
  docker: Docker,
  images: string[],
  tarball: string,
  options: { modelsDir?: string } = {},
): Promise<BundleManifest> {
  let modelFiles: string[] = [];
  if (options.modelsDir) {
    if (!existsSync(join(options.modelsDir, 'manifest.json'))) {
      throw new Error(
        `${options.modelsDir} has no manifest.json: it is not a models folder (write one with \`npm run manifest -w @speaknode/models -- ${options.modelsDir}\`)`,
      );
    }
    modelFiles = (await filesUnder(options.modelsDir)).map((file) => relative(options.modelsDir!, file));
  }
  const missing: string[] = [];
  for (const image of images) if (!(await imagePresent(docker, image))) missing.push(image);
  if (missing.length > 0) {
    throw new Error(`cannot bundle images that are not on this engine: ${missing.join(', ')}; pull them first`);
  }
  const getImages = (docker as unknown as { getImages(opts: { names: string[] }): Promise<Readable> }).getImages;
  const stream = await getImages.call(docker, { names: images });
  await pipeline(stream, createWriteStream(tarball, { mode: 0o644 }));
  let models: BundleManifest['models'];
  if (options.modelsDir) {
    const files: Record<string, { bytes: number; sha256: string }> = {};
    for (const file of modelFiles) {
      const path = join(options.modelsDir, file);
      files[file] = { bytes: (await stat(path)).size, sha256: await sha256Of(path) };
    }
    // GNU tar appends after docker save's entries; `docker load` reads only its own.
    await run(
      'tar',
      [
        '--append',
        '--file',
        tarball,
        '--owner=1000',
        '--group=1000',
        '--numeric-owner',
        '--mode=u+rw,go+r,go-w',
        '--directory',
        options.modelsDir,
        `--transform=s,^,${BUNDLE_MODELS_DIR}/,`,
        '--',
        ...modelFiles,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    models = { dir: BUNDLE_MODELS_DIR, files };
  }
  const manifest: BundleManifest = {
    format: 1,
    created: new Date().toISOString(),
    tarball: basename(tarball),
    images,
    bytes: (await stat(tarball)).size,
    sha256: await sha256Of(tarball),
    ...(models ? { models } : {}),
  };
  // As readable as the tarball: whoever may load the images must be able to check them.
  await writeFile(manifestPathFor(tarball), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
  await chmod(manifestPathFor(tarball), 0o644);
  return manifest;
}

/**
 * Loads an offline bundle after checking the tarball's size and SHA-256 against its manifest. Accepts the
 * tarball or the manifest path.
 */
export async function loadBundle(docker: Docker, path: string, onEvent: EventSink): Promise<BundleManifest> {
  const { manifest, tarball } = await verifyBundle(path);
  for (const image of manifest.images) onEvent({ type: 'image', image, action: 'loading' });
  const output = (await docker.loadImage(createReadStream(tarball), { quiet: true })) as unknown as Readable;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(output, (error: Error | null, messages: ProgressMessage[]) => {
      const failed = error?.message ?? messages.find((m) => m.error)?.error;
      if (failed) reject(new Error(`loading ${tarball} failed: ${failed}`));
      else resolve();
    });
  });
  for (const image of manifest.images) onEvent({ type: 'image', image, action: 'loaded' });
  return manifest;
}

/**
 * Checks an offline bundle without loading it: its manifest, the tarball's size and SHA-256. Accepts
 * the tarball or the manifest path; fails with what to do.
 */
export async function verifyBundle(path: string): Promise<{ manifest: BundleManifest; tarball: string }> {
  const manifestPath = path.endsWith('.json') ? path : manifestPathFor(path);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as BundleManifest;
  } catch (error) {
    throw new Error(`cannot read the bundle manifest ${manifestPath}: ${(error as Error).message}`);
  }
  if (manifest.format !== 1 || !Array.isArray(manifest.images) || typeof manifest.sha256 !== 'string') {
    throw new Error(`${manifestPath} is not a Speaknode bundle manifest`);
  }
  const tarball = join(dirname(manifestPath), basename(manifest.tarball));
  const size = (await stat(tarball)).size;
  if (size !== manifest.bytes) {
    throw new Error(`bundle ${tarball} is ${size} bytes, its manifest says ${manifest.bytes}: the copy is incomplete`);
  }
  const actual = await sha256Of(tarball);
  if (actual !== manifest.sha256) {
    throw new Error(
      `bundle ${tarball} fails its checksum (sha256 ${actual}, expected ${manifest.sha256}): copy it again`,
    );
  }
  return { manifest, tarball };
}

/**
 * Copies the model files of a loaded bundle into the models host's volume: extracted to a temporary
 * folder, each file checked against its size and SHA-256 in the manifest, then put into `volume` through
 * a container of `image` that is created (never started) with the volume mounted. Files keep uid 1000.
 * Returns how many files were installed (0 when the bundle carries none).
 */
export async function installBundleModels(
  docker: Docker,
  path: string,
  options: { volume: string; image: string; labels?: Record<string, string> },
): Promise<number> {
  const manifestPath = path.endsWith('.json') ? path : manifestPathFor(path);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as BundleManifest;
  if (!manifest.models) return 0;
  const tarball = join(dirname(manifestPath), basename(manifest.tarball));
  const scratch = await mkdtemp(join(tmpdir(), 'sn-bundle-models-'));
  try {
    await run('tar', ['--extract', '--file', tarball, '--directory', scratch, '--', BUNDLE_MODELS_DIR], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const root = join(scratch, BUNDLE_MODELS_DIR);
    const found = (await filesUnder(root)).map((file) => relative(root, file));
    const listed = Object.keys(manifest.models.files).sort();
    if (found.join('\n') !== listed.join('\n')) {
      throw new Error(`the model files in ${tarball} differ from its manifest's list: copy the bundle again`);
    }
    for (const file of listed) {
      const want = manifest.models.files[file]!;
      const actual = await sha256Of(join(root, file));
      if (actual !== want.sha256) {
        throw new Error(
          `model file ${file} in ${tarball} fails its checksum (sha256 ${actual}, expected ${want.sha256})`,
        );
      }
    }
    try {
      await docker.getVolume(options.volume).inspect();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      await docker.createVolume({ Name: options.volume, Labels: options.labels ?? {} });
    }
    const helper = await docker.createContainer({
      Image: options.image,
      Entrypoint: ['/bin/true'],
      HostConfig: { Binds: [`${options.volume}:/${BUNDLE_MODELS_DIR}`] },
    });
    try {
      const tar = spawn(
        'tar',
        ['--create', '--owner=1000', '--group=1000', '--numeric-owner', '--directory', scratch, BUNDLE_MODELS_DIR],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await helper.putArchive(tar.stdout as Readable, { path: '/' });
    } finally {
      await helper.remove({ force: true });
    }
    return listed.length;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
