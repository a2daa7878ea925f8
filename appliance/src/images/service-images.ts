import { join } from 'node:path';
import { SERVICE_PORTS } from '../stack/services/speaknode.ts';
import type { StackSettings } from '../stack/settings.ts';

/**
 * Our own services as images: which workspace, which entry points become bundles, what runs at
 * entry before the server. One Dockerfile (`appliance/images/Dockerfile`) builds them all, from the
 * build arguments `buildArgs` derives from this.
 */
export interface ServiceImage {
  name: 'control' | 'webhooks' | 'agent' | 'bridge' | 'models' | 'models-cuda';
  /** The workspace, relative to the repository root. */
  workspace: string;
  /** Entry points (TypeScript, relative to the repository root); the first is the server. */
  entries: string[];
  port: number;
  /** Arguments to the server's entry that apply migrations and exit, run by the entrypoint first. */
  migrate?: string[];
  /**
   * Browser builds the image serves (control: the widget and the console web app): each workspace's
   * npm script is run in the checkout, and its output folder is copied to `/opt/speaknode/web/<target>`.
   */
  web?: WebBuild[];
  /** Files that must be in the checkout's node_modules, with what to do when they are not. */
  requires?: { path: string; fix: string }[];
  /** A CUDA runtime the service runs on instead of the Node base (the Dockerfile copies Node onto it). */
  runtimeBase?: string;
}

export interface WebBuild {
  /** The workspace folder, relative to the repository root. */
  workspace: string;
  script: string;
  /** Its output folder, relative to the repository root. */
  output: string;
  /** The folder under /opt/speaknode/web (the Dockerfile points SPEAKNODE_WIDGET_DIR / SPEAKNODE_CONSOLE_DIR there). */
  target: 'widget' | 'console';
}

/** The CUDA runtime the GPU models image runs on: CUDA 12 with cuDNN 9, as onnxruntime-node 1.24's CUDA provider needs. */
export const CUDA_RUNTIME_BASE = 'nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04';

const ONNX_BIN = 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64';
const MODELS_ENTRIES = ['models/src/main.ts', 'models/src/inference/engine-worker.ts'];

export const SERVICE_IMAGES: readonly ServiceImage[] = [
  {
    name: 'control',
    workspace: 'services/control',
    // token.js: a trial's admin token from the embedded issuer (`docker exec … node …/token.js`).
    entries: ['services/control/src/main.ts', 'services/control/src/cli/token.ts'],
    port: SERVICE_PORTS.control,
    migrate: ['migrate'],
    web: [
      { workspace: 'web-widget', script: 'build', output: 'web-widget/dist', target: 'widget' },
      { workspace: 'desktop', script: 'build:web', output: 'desktop/out/web', target: 'console' },
    ],
  },
  // The receiver migrates its route table itself, in the background, so it accepts webhooks while
  // PostgreSQL is still starting (see services/webhooks/src/main.ts).
  {
    name: 'webhooks',
    workspace: 'services/webhooks',
    entries: ['services/webhooks/src/main.ts'],
    port: SERVICE_PORTS.webhooks,
  },
  {
    name: 'agent',
    workspace: 'services/agent',
    // LiveKit's job processes import job-entry (voice-worker.ts names it next to itself).
    entries: ['services/agent/src/main.ts', 'services/agent/src/voice/job-entry.ts'],
    port: SERVICE_PORTS.agent,
  },
  {
    name: 'bridge',
    workspace: 'services/bridge',
    entries: ['services/bridge/src/main.ts'],
    port: SERVICE_PORTS.bridge,
  },
  {
    name: 'models',
    workspace: 'models',
    // The inference runs in a worker thread loaded from the file beside its client.
    entries: MODELS_ENTRIES,
    port: SERVICE_PORTS.models,
    requires: [{ path: `${ONNX_BIN}/libonnxruntime.so.1`, fix: 'run npm ci (onnxruntime-node ships its CPU library)' }],
  },
  // The same host on a CUDA runtime, with onnxruntime's CUDA provider (the stack's `models` service
  // when settings.gpu is on). The provider libraries are not in onnxruntime-node's package: its install
  // script fetches them, which the checkout skips (.npmrc) unless asked for.
  {
    name: 'models-cuda',
    workspace: 'models',
    entries: MODELS_ENTRIES,
    port: SERVICE_PORTS.models,
    runtimeBase: CUDA_RUNTIME_BASE,
    requires: ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'].map((file) => ({
      path: `${ONNX_BIN}/${file}`,
      fix: 'on a connected machine run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (it downloads the CUDA provider)',
    })),
  },
];

/** The images `images build` makes by default: those the settings' stack runs (the models host only with its profile). */
export function stackServiceImages(settings: Pick<StackSettings, 'profiles' | 'gpu'>): ServiceImage[] {
  const names: ServiceImage['name'][] = ['control', 'webhooks', 'agent', 'bridge'];
  if (settings.profiles.includes('models')) names.push(settings.gpu ? 'models-cuda' : 'models');
  return names.map(serviceImage);
}

/** The Dockerfile's build arguments for one image. */
export function buildArgs(image: ServiceImage, nodeBase: string): Record<string, string> {
  return {
    SERVICE: image.name,
    PORT: String(image.port),
    MAIN: bundlePath(image.entries[0]!),
    MIGRATE: (image.migrate ?? []).join(' '),
    NODE_BASE: nodeBase,
    CUDA_BASE: image.runtimeBase ?? nodeBase,
    RUNTIME: image.runtimeBase ? 'cuda-runtime' : 'node-runtime',
  };
}

export function serviceImage(name: string): ServiceImage {
  const found = SERVICE_IMAGES.find((image) => image.name === name);
  if (!found) {
    throw new Error(`no image named ${name}; images: ${SERVICE_IMAGES.map((image) => image.name).join(', ')}`);
  }
  return found;
}

/** Where the images' files sit inside the image: bundles at their sources' paths, .ts → .js. */
export const APP_DIR = '/opt/speaknode/app';

export function bundlePath(entry: string): string {
  return entry.replace(/\.ts$/, '.js');
}

/** The tag `speaknode up` looks for: `<imageRegistry>/<name>:<speaknodeVersion>`. */
export function serviceImageTag(settings: Pick<StackSettings, 'imageRegistry' | 'speaknodeVersion'>, name: string) {
  return `${settings.imageRegistry}/${name}:${settings.speaknodeVersion}`;
}

/** The Dockerfiles' base (tag and digest): `images build --base` replaces it (a mirror, or a test's local image). */
export const NODE_BASE_IMAGE =
  'node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0';

/** The one Dockerfile of every service image. */
export function dockerfilePath(repoRoot: string): string {
  return join(repoRoot, 'appliance', 'images', 'Dockerfile');
}
