/**
 * Model files in the offline bundle, on a private dockerd: `writeBundle` with a models folder appends
 * its files to the `docker save` tarball (and lists each with its SHA-256 in the manifest), `docker
 * load` still takes the tarball, and `installBundledModels` (what `up --bundle` runs first) puts the
 * files into the stack's models volume, owned by the models host's uid. A changed file is refused.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMissingSecrets } from '../stack/secrets.ts';
import { StackSettings } from '../stack/settings.ts';
import { defineStack } from '../stack/stack.ts';
import { volumeName } from '../supervisor/container-spec.ts';
import { type BundleManifest, imagePresent, installBundleModels, writeBundle } from '../supervisor/images.ts';
import { demuxAll } from '../supervisor/logs.ts';
import { type ResolvedStack, resolveStack } from '../supervisor/resolve.ts';
import { importBusyboxImage, type PrivateEngine, startPrivateEngine } from '../testing/private-engine.ts';
import { installBundledModels } from './bundle-models.ts';

const started = await startPrivateEngine();
const engine: PrivateEngine | undefined = 'engine' in started ? started.engine : undefined;
if (!engine) console.info(`bundle-models test skipped: ${'skip' in started ? started.skip : ''}`);
const suite = engine ? describe : describe.skip;

const MODELS_IMAGE = 'sntest/models:1';
const VOICE = 'a piper voice, standing in for the real one\n';

suite('model files in the offline bundle', () => {
  const docker = engine?.docker as PrivateEngine['docker'];
  let dir: string;
  let stack: ResolvedStack;
  let tarball: string;
  let manifest: BundleManifest;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sn-bundle-models-'));
    await importBusyboxImage(docker, [MODELS_IMAGE]);
    const models = join(dir, 'models');
    await mkdir(join(models, 'piper'), { recursive: true });
    await writeFile(join(models, 'manifest.json'), '{"schemaVersion":1,"models":[],"files":{}}\n');
    await writeFile(join(models, 'piper', 'en_US-test-medium.onnx'), VOICE);
    await writeFile(join(models, 'piper', 'en_US-test-medium.onnx.json'), '{"audio":{"sample_rate":22050}}\n');
    const settings = StackSettings.parse({ project: 'snbundle', domain: 'localhost', profiles: ['models'] });
    const full = resolveStack(
      defineStack(settings),
      settings.profiles,
      generateMissingSecrets({}).secrets,
      join(dir, 'config'),
    );
    // The stack's own models service (its volume), on a tiny image that can stand in for the real one.
    stack = {
      ...full,
      services: full.services.map((s) =>
        s.name === 'models' ? { ...s, image: { repository: 'sntest/models', tag: '1' } } : s,
      ),
    };
    tarball = join(dir, 'speaknode-images.tar');
    manifest = await writeBundle(docker, [MODELS_IMAGE], tarball, { modelsDir: models });
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('lists every model file with its size and SHA-256 in the manifest beside the tarball', async () => {
    expect(manifest.models?.dir).toBe('speaknode-models');
    expect(Object.keys(manifest.models!.files).sort()).toEqual([
      'manifest.json',
      'piper/en_US-test-medium.onnx',
      'piper/en_US-test-medium.onnx.json',
    ]);
    expect(manifest.models!.files['piper/en_US-test-medium.onnx']).toEqual({
      bytes: VOICE.length,
      sha256: createHash('sha256').update(VOICE).digest('hex'),
    });
    const onDisk = JSON.parse(await readFile(join(dir, 'speaknode-images.json'), 'utf8'));
    expect(onDisk).toEqual(manifest);
  });

  it('loads the images from the tarball and puts the model files into the models volume, owned by uid 1000', async () => {
    await docker.getImage(MODELS_IMAGE).remove({ force: true });
    expect(await imagePresent(docker, MODELS_IMAGE)).toBe(false);
    const events: unknown[] = [];
    const installed = await installBundledModels(docker, stack, tarball, (event) => events.push(event));
    expect(installed).toEqual({ files: 3, volume: volumeName('snbundle', 'models-data') });
    // docker load took the tarball with the model files in it.
    expect(await imagePresent(docker, MODELS_IMAGE)).toBe(true);
    expect(events).toContainEqual({ type: 'image', image: MODELS_IMAGE, action: 'loaded' });

    const reader = await docker.createContainer({
      Image: MODELS_IMAGE,
      Cmd: ['sh', '-c', 'cd /models && stat -c "%u %n" manifest.json piper/* && cat piper/en_US-test-medium.onnx'],
      HostConfig: { Binds: [`${installed.volume}:/models:ro`], NetworkMode: 'none' },
    });
    await reader.start();
    await reader.wait();
    const output = demuxAll('reader', (await reader.logs({ stdout: true, stderr: true })) as unknown as Buffer)
      .map((l) => l.text)
      .join('\n');
    await reader.remove({ force: true });
    expect(output).toContain('1000 manifest.json');
    expect(output).toContain('1000 piper/en_US-test-medium.onnx');
    expect(output).toContain(VOICE.trim());
  });

  it('refuses a bundle whose model file changed, and a folder without a models manifest', async () => {
    const broken = join(dir, 'broken.tar');
    const manifestCopy = { ...manifest, tarball: 'broken.tar' };
    await writeFile(join(dir, 'broken.json'), JSON.stringify(manifestCopy));
    const bytes = await readFile(tarball);
    const at = bytes.indexOf(Buffer.from(VOICE));
    expect(at).toBeGreaterThan(0);
    bytes[at] = 'A'.charCodeAt(0);
    await writeFile(broken, bytes);
    await expect(
      installBundleModels(docker, broken, { volume: 'snbundle_other', image: MODELS_IMAGE }),
    ).rejects.toThrow(/model file piper\/en_US-test-medium\.onnx in .* fails its checksum/);

    const empty = join(dir, 'not-models');
    await mkdir(empty);
    await (await open(join(empty, 'voice.onnx'), 'w')).close();
    await expect(writeBundle(docker, [MODELS_IMAGE], join(dir, 'x.tar'), { modelsDir: empty })).rejects.toThrow(
      /has no manifest\.json: it is not a models folder/,
    );
  });
});
