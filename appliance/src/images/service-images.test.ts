import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StackSettings } from '../stack/settings.ts';
import { defineStack } from '../stack/stack.ts';
import { missingRequirements } from './build.ts';
import {
  buildArgs,
  CUDA_RUNTIME_BASE,
  dockerfilePath,
  NODE_BASE_IMAGE,
  SERVICE_IMAGES,
  serviceImage,
  serviceImageTag,
  stackServiceImages,
} from './service-images.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');

describe('our service images', () => {
  it('builds every image from one Dockerfile with the arguments it declares', () => {
    const dockerfile = readFileSync(dockerfilePath(repoRoot), 'utf8');
    const declared = new Set([...dockerfile.matchAll(/^ARG ([A-Z_]+)/gm)].map((m) => m[1]));
    for (const image of SERVICE_IMAGES) {
      for (const name of Object.keys(buildArgs(image, NODE_BASE_IMAGE))) expect(declared, name).toContain(name);
    }
    // Pinned by tag and digest; non-root; HEALTHCHECK on /healthz; the entrypoint migrates, then execs.
    expect(dockerfile).toContain(`ARG NODE_BASE=${NODE_BASE_IMAGE}`);
    expect(NODE_BASE_IMAGE).toMatch(/^node:20-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    const entrypoint = readFileSync(join(repoRoot, 'appliance/images/docker-entrypoint.sh'), 'utf8');
    expect(entrypoint).toMatch(/node "\$SPEAKNODE_MAIN" \$SPEAKNODE_MIGRATE\n/);
    expect(entrypoint.trim().split('\n').at(-1)).toBe('exec node "$SPEAKNODE_MAIN" "$@"');
  });

  it('gives each image its service, port, server bundle and migrations', () => {
    expect(buildArgs(serviceImage('control'), 'node:20-bookworm-slim')).toEqual({
      SERVICE: 'control',
      PORT: '8080',
      MAIN: 'services/control/src/main.js',
      MIGRATE: 'migrate',
      NODE_BASE: 'node:20-bookworm-slim',
      CUDA_BASE: 'node:20-bookworm-slim',
      RUNTIME: 'node-runtime',
    });
    expect(buildArgs(serviceImage('webhooks'), NODE_BASE_IMAGE)).toMatchObject({ PORT: '8081', MIGRATE: '' });
    // The GPU models host runs on a CUDA runtime; every other image stays on the Node base.
    expect(buildArgs(serviceImage('models-cuda'), NODE_BASE_IMAGE)).toMatchObject({
      SERVICE: 'models-cuda',
      MAIN: 'models/src/main.js',
      CUDA_BASE: CUDA_RUNTIME_BASE,
      RUNTIME: 'cuda-runtime',
    });
    expect(serviceImage('control').web?.map((w) => w.target)).toEqual(['widget', 'console']);
    expect(() => serviceImage('frontend')).toThrow(/no image named frontend; images: control, webhooks/);
  });

  it('builds what the stack runs, with the tags the stack looks for', () => {
    const names = (settings: Partial<StackSettings>) =>
      stackServiceImages(StackSettings.parse({ domain: 'localhost', ...settings })).map((i) => i.name);
    expect(names({})).toEqual(['control', 'webhooks', 'agent', 'bridge']);
    expect(names({ profiles: ['models'] })).toEqual(['control', 'webhooks', 'agent', 'bridge', 'models']);
    expect(names({ profiles: ['models'], gpu: true })).toContain('models-cuda');
    const settings = StackSettings.parse({ domain: 'localhost', profiles: ['models'], gpu: true });
    const stackImages = defineStack(settings).services.map((s) => `${s.image.repository}:${s.image.tag}`);
    for (const image of stackServiceImages(settings)) {
      expect(stackImages).toContain(serviceImageTag(settings, image.name));
    }
  });

  it("names what the checkout lacks for an image, with the fix (onnxruntime's CUDA provider is not installed here)", () => {
    expect(missingRequirements(repoRoot, serviceImage('models'))).toEqual([]);
    const cuda = missingRequirements(repoRoot, serviceImage('models-cuda'));
    expect(cuda.length).toBeGreaterThan(0);
    expect(cuda[0]).toMatch(/libonnxruntime_providers_cuda\.so is missing: .*ONNXRUNTIME_NODE_INSTALL=cuda12/);
    expect(missingRequirements('/nonexistent', serviceImage('models'))[0]).toMatch(/libonnxruntime\.so\.1 is missing/);
  });
});
