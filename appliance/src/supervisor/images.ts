import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { EventSink } from './events.ts';

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

/** Pulls one image, reporting progress per layer. Fails with what to do when no registry is reachable. */
export async function pullImage(docker: Docker, image: string, onEvent: EventSink): Promise<void> {
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
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: ProgressMessage[]) => {
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
  });
  onEvent({ type: 'image', image, action: 'pulled' });
}

/** `<bundle>.json` beside the tarball: which images, and the tarball's size and SHA-256. */
export interface BundleManifest {
  format: 1;
  created: string;
  tarball: string;
  images: string[];
  bytes: number;
  sha256: string;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export function manifestPathFor(tarball: string): string {
  return `${tarball.replace(/\.tar$/, '')}.json`;
}

/** Writes `docker save` of the images into `tarball`, and the manifest with its checksum. */
export async function writeBundle(docker: Docker, images: string[], tarball: string): Promise<BundleManifest> {
  const missing: string[] = [];
  for (const image of images) if (!(await imagePresent(docker, image))) missing.push(image);
  if (missing.length > 0) {
    throw new Error(`cannot bundle images that are not on this engine: ${missing.join(', ')}; pull them first`);
  }
  const getImages = (docker as unknown as { getImages(opts: { names: string[] }): Promise<Readable> }).getImages;
  const stream = await getImages.call(docker, { names: images });
  await pipeline(stream, createWriteStream(tarball, { mode: 0o644 }));
  const manifest: BundleManifest = {
    format: 1,
    created: new Date().toISOString(),
    tarball: basename(tarball),
    images,
    bytes: (await stat(tarball)).size,
    sha256: await sha256Of(tarball),
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
